import { RequestRefusedError } from '../../src/client/errors';
import type { ChangeReport } from '../../src/domain/status';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { EscalationLevelKey } from '../../src/workflows/search-attributes';
import { capStep, change, MANAGER, ONCALL, saga, twoLevels } from './saga';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';

/**
 * The decision branches of a change, with fake targets and deadlines in virtual time: an hour's
 * deadline passes when the test skips it. The integration tier runs the same branches against
 * the real server and database (approval.test.ts, step-failure.test.ts).
 */
describe('decisions: approval gate, escalation over the levels, hold when exhausted', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  /** The phases the change went through, in order, as its timeline shows them. */
  const phases = (report: ChangeReport) =>
    report.timeline.filter((e) => e.event.startsWith('phase: ')).map((e) => e.event.slice('phase: '.length));
  /** What the Temporal UI and `EscalationLevel >= 1` see once the change has ended. */
  const escalationLevel = async (changeId: string) =>
    (await ts.env.client.workflow.getHandle(changeWorkflowId(changeId)).describe()).typedSearchAttributes.get(
      EscalationLevelKey,
    );

  const approvalChange = (risk: 'medium' | 'high' = 'medium', whenExhausted: 'rollback' | 'hold' = 'rollback') =>
    change([capStep('raise')], { approval: 'required', escalation: { levels: twoLevels(), whenExhausted } }, { risk });

  test('given approval is required, when the on-call approves, then the change applies only after it and completes', async () => {
    const s = await saga(ts, 'approve');
    const report = await s.run(approvalChange(), async () => {
      const question = await s.question('approval');
      expect(s.fakes.steps('snapshotStep')).toEqual([]);
      await expect(
        s.changes.decide(s.changeId, { decision: 'approve', actor: ONCALL, questionId: question.id }),
      ).resolves.toEqual({ status: 'accepted', questionId: question.id });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('completed');
    expect(report.decisions).toEqual([
      expect.objectContaining({ kind: 'approval', decision: 'approve', actor: ONCALL, level: 0 }),
    ]);
    expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['raise']);
    expect(s.fakes.notifications().map((n) => [n.event, n.channels])).toEqual([
      ['approval-needed', ['webhook:on-call']],
    ]);
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });

  test('given approval is required, when the on-call rejects, then the change ends rejected with nothing applied', async () => {
    const s = await saga(ts, 'reject');
    const report = await s.run(approvalChange(), async () => {
      await s.question('approval');
      await s.changes.decide(s.changeId, { decision: 'reject', actor: ONCALL, comment: 'not during the campaign' });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rejected');
    expect(report.cause).toMatchObject({ type: 'Rejected' });
    expect(report.steps.map((step) => step.state)).toEqual(['pending']);
    expect(s.fakes.steps('snapshotStep')).toEqual([]);
    expect(s.fakes.steps('applyAndVerifyStep')).toEqual([]);
  });

  test('given the requester is also the on-call, when they approve their own change by update or by signal, then both are refused, recorded, and nothing applies', async () => {
    const s = await saga(ts, 'self-approval');
    const report = await s.run({ ...approvalChange(), requestedBy: ONCALL }, async () => {
      await s.question('approval');
      await expect(s.changes.decide(s.changeId, { decision: 'approve', actor: ONCALL })).rejects.toBeInstanceOf(
        RequestRefusedError,
      );
      await s.changes.signalDecision(s.changeId, { decision: 'approve', actor: ONCALL });
      const refused = await s.until((status) =>
        status.timeline.some((e) => e.event === 'decision refused' && e.actor === ONCALL),
      );
      expect(refused.phase).toBe('awaiting-approval');
      expect(refused.decisions).toEqual([]);
      expect(s.fakes.steps('snapshotStep')).toEqual([]);
      // Rejecting accepts no risk: the requester may withdraw their own change.
      await s.changes.decide(s.changeId, { decision: 'reject', actor: ONCALL, comment: 'withdrawn' });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rejected');
    expect(s.fakes.steps('applyAndVerifyStep')).toEqual([]);
  });

  test("given an admin of the floor's break-glass group, when they approve before any escalation, then it is accepted at the first level", async () => {
    const s = await saga(ts, 'break-glass');
    const report = await s.run(approvalChange(), async () => {
      await s.question('approval', 0);
      await expect(
        s.changes.decide(s.changeId, { decision: 'approve', actor: 'admin@example.com' }),
      ).rejects.toBeInstanceOf(RequestRefusedError);
      await expect(
        s.changes.decide(s.changeId, { decision: 'approve', actor: 'admin@example.com', groups: ['admin'] }),
      ).resolves.toMatchObject({ status: 'accepted' });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('completed');
    expect(report.decisions).toEqual([expect.objectContaining({ actor: 'admin@example.com', level: 0 })]);
  });

  test('given risk high, when one approver approves twice and a second one approves, then it takes both distinct approvals', async () => {
    const s = await saga(ts, 'two-approvers');
    const report = await s.run(approvalChange('high'), async () => {
      const question = await s.question('approval');
      expect(question.approvalsNeeded).toBe(2);
      expect((await s.changes.decide(s.changeId, { decision: 'approve', actor: ONCALL })).status).toBe('partial');
      await expect(s.changes.decide(s.changeId, { decision: 'approve', actor: ONCALL })).rejects.toBeInstanceOf(
        RequestRefusedError,
      );
      expect((await s.changes.status(s.changeId)).phase).toBe('awaiting-approval');
      expect(s.fakes.steps('snapshotStep')).toEqual([]);
      // The manager is not asked yet, but a later level's decider may not answer an earlier level.
      await expect(s.changes.decide(s.changeId, { decision: 'approve', actor: MANAGER })).rejects.toBeInstanceOf(
        RequestRefusedError,
      );
      await s.skip('1h');
      await s.question('approval', 1);
      expect((await s.changes.decide(s.changeId, { decision: 'approve', actor: MANAGER })).status).toBe('accepted');
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('completed');
    expect(report.decisions.map((d) => [d.decision, d.actor, d.level])).toEqual([
      ['approve', ONCALL, 0],
      ['approve', MANAGER, 1],
    ]);
    expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['raise']);
  });

  test('given two levels of an hour and whenExhausted hold, when nobody approves, then it escalates, then holds without deadline for the widest level until someone approves', async () => {
    const s = await saga(ts, 'approval-hold');
    const report = await s.run(approvalChange('medium', 'hold'), async () => {
      const first = await s.question('approval', 0);
      expect(first).toMatchObject({
        mode: 'escalate',
        level: 0,
        mayDecide: [expect.objectContaining({ level: 'on-call' }), expect.objectContaining({ level: 'break-glass' })],
      });
      await s.skip('1h');
      const escalated = await s.question('approval', 1);
      expect(escalated.mayDecide.map((m) => m.level)).toEqual(['on-call', 'managers', 'break-glass']);
      await s.skip('1h');
      const held = await s.until((status) => status.pendingDecisions.some((q) => q.mode === 'hold'));
      expect(held.phase).toBe('awaiting-approval');
      expect(held.pendingDecisions).toEqual([expect.objectContaining({ kind: 'approval', mode: 'hold', level: 1 })]);
      expect(held.pendingDecisions[0]!.deadline).toBeUndefined();
      // A week later it still holds: nothing lapses without a deadline.
      await s.skip('7d');
      expect((await s.changes.status(s.changeId)).pendingDecisions).toEqual([
        expect.objectContaining({ kind: 'approval', mode: 'hold' }),
      ]);
      expect(s.fakes.steps('snapshotStep')).toEqual([]);
      await s.changes.decide(s.changeId, { decision: 'approve', actor: MANAGER });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('completed');
    expect(report.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['escalated', 'escalation exhausted']));
    expect(s.fakes.notifications().map((n) => [n.event, n.channels])).toEqual([
      ['approval-needed', ['webhook:on-call']],
      ['escalated', ['webhook:managers']],
      // The hold asks the last level again.
      ['escalated', ['webhook:managers']],
    ]);
  });

  test('given approval is required and whenExhausted rollback, when every deadline passes, then the change ends rejected as not approved, nothing applied', async () => {
    const s = await saga(ts, 'approval-timeout');
    const report = await s.run(approvalChange(), async () => {
      await s.question('approval');
      // Awaiting the result lets the test server skip both hours.
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rejected');
    expect(report.cause).toMatchObject({ type: 'NotApproved' });
    expect(Date.parse(report.finishedAt) - Date.parse(report.startedAt)).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(s.fakes.steps('snapshotStep')).toEqual([]);
    expect(s.fakes.notifications().map((n) => n.event)).toEqual(['approval-needed', 'escalated']);
  });

  describe('a failed step with policy ask', () => {
    const askChange = (whenExhausted: 'rollback' | 'hold' = 'rollback') =>
      change([capStep('one'), capStep('two')], {
        onStepFailure: 'ask',
        escalation: { levels: twoLevels(), whenExhausted },
      });

    test('given no decision, when both levels lapse, then it escalated to the managers, notified each level once and rolled back by policy', async () => {
      const s = await saga(ts, 'escalate', { failApply: { two: Infinity } });
      const report = await s.run(askChange(), async () => {
        await s.question('step-failure', 0);
        return s.changes.result(s.changeId);
      });
      expect(report.phase).toBe('rolled-back');
      expect(report.cause).toMatchObject({ stepId: 'two' });
      expect(report.timeline.map((e) => e.event)).toEqual(
        expect.arrayContaining(['decision asked', 'escalated', 'escalation exhausted', 'step restored']),
      );
      const sent = s.fakes.notifications();
      expect(sent.filter((n) => n.event === 'decision-needed').map((n) => n.channels)).toEqual([['webhook:on-call']]);
      expect(sent.filter((n) => n.event === 'escalated').map((n) => n.channels)).toEqual([['webhook:managers']]);
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['two', 'one']);
      // Exhaustion rolls back straight from the question: no `applying` in between.
      expect(phases(report)).toEqual(['awaiting-decision', 'rolling-back', 'rolled-back']);
      // The finished change still shows how far it escalated.
      expect(await escalationLevel(s.changeId)).toBe(1);
    });

    test('given escalation to the managers, when the on-call still decides retry, then the wider level takes it and the retried step applies', async () => {
      const s = await saga(ts, 'widen', { failApply: { two: 1 } });
      const report = await s.run(askChange(), async () => {
        await s.question('step-failure', 0);
        await s.skip('1h');
        await s.question('step-failure', 1);
        await s.changes.decide(s.changeId, { decision: 'retry', actor: ONCALL });
        return s.changes.result(s.changeId);
      });
      expect(report.phase).toBe('completed');
      expect(report.decisions).toEqual([expect.objectContaining({ decision: 'retry', actor: ONCALL, level: 1 })]);
      expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['one', 'two', 'two']);
      // A retry reuses the step's recovery point.
      expect(s.fakes.steps('snapshotStep')).toEqual(['one', 'two', 'two']);
      expect(phases(report)).toEqual(['awaiting-decision', 'applying', 'completed']);
      expect(await escalationLevel(s.changeId)).toBe(1);
    });

    test('given whenExhausted hold, when both levels lapse, then the change is held for the managers until one decides skip', async () => {
      const s = await saga(ts, 'exhaust-hold', { failApply: { two: Infinity } });
      const report = await s.run(askChange('hold'), async () => {
        await s.question('step-failure', 0);
        await s.skip('2h');
        const held = await s.until((status) => status.phase === 'held');
        expect(held.pendingDecisions).toEqual([
          expect.objectContaining({ kind: 'step-failure', mode: 'hold', level: 1, stepId: 'two' }),
        ]);
        await s.skip('1d');
        expect((await s.changes.status(s.changeId)).phase).toBe('held');
        await s.changes.decide(s.changeId, { decision: 'skip', actor: MANAGER });
        return s.changes.result(s.changeId);
      });
      expect(report.phase).toBe('completed');
      expect(report.steps.map((step) => [step.id, step.state])).toEqual([
        ['one', 'applied'],
        ['two', 'skipped'],
      ]);
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
      // The hold follows the lapsed escalation directly; only the skip lets the change go on.
      expect(phases(report)).toEqual(['awaiting-decision', 'held', 'applying', 'completed']);
    });

    test('given a step-failure question, when someone approves or answers a question that is not open, then it is refused and nothing is decided', async () => {
      const s = await saga(ts, 'wrong-answer', { failApply: { two: Infinity } });
      const report = await s.run(askChange(), async () => {
        await s.question('step-failure');
        await expect(s.changes.decide(s.changeId, { decision: 'approve', actor: ONCALL })).rejects.toBeInstanceOf(
          RequestRefusedError,
        );
        await expect(
          s.changes.decide(s.changeId, { decision: 'retry', actor: ONCALL, questionId: 'stale' }),
        ).rejects.toBeInstanceOf(RequestRefusedError);
        await expect(
          s.changes.decide(s.changeId, { decision: 'retry', actor: 'intern@example.com' }),
        ).rejects.toBeInstanceOf(RequestRefusedError);
        expect((await s.changes.status(s.changeId)).decisions).toEqual([]);
        await s.changes.decide(s.changeId, { decision: 'rollback', actor: ONCALL });
        return s.changes.result(s.changeId);
      });
      expect(report.phase).toBe('rolled-back');
      expect(report.decisions.map((d) => d.decision)).toEqual(['rollback']);
      expect(phases(report)).toEqual(['awaiting-decision', 'rolling-back', 'rolled-back']);
      // Answered at the first level: nothing escalated.
      expect(await escalationLevel(s.changeId)).toBe(0);
    });
  });
});

import { ChangeClosedError, RequestRefusedError } from '../../src/client/errors';
import type { RollbackRequest } from '../../src/domain/decisions';
import type { FakeCall } from './fake-activities';
import { capStep, change, errorRate, ONCALL, REQUESTER, saga, twoLevels } from './saga';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';

/**
 * A manual rollback requested while the change runs, through the client as the API, CLI and chat
 * ops send it: awaiting approval, in the middle of a step, while a failed step waits for a
 * decision, during the observation window; refused for strangers and finished changes. The
 * integration tier runs the same on real flows (manual-rollback.test.ts, observation.test.ts).
 */
describe('manual rollback during a run', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  const why = (actor: string, category: RollbackRequest['category'] = 'business-impact'): RollbackRequest => ({
    actor,
    reason: 'acceptance dropped 12% in the first minutes',
    category,
  });
  const steps = (n: number) => Array.from({ length: n }, (_, i) => capStep(`s${i}`, 30 + i));

  test('given a change awaiting approval, when the on-call asks for a rollback, then it ends rolled back with nothing applied', async () => {
    const s = await saga(ts, 'before-approval');
    const report = await s.run(
      change(steps(1), { approval: 'required', escalation: { levels: twoLevels() } }),
      async () => {
        await s.question('approval');
        await expect(s.changes.requestRollback(s.changeId, why(ONCALL, 'compliance'))).resolves.toEqual({
          status: 'accepted',
        });
        return s.changes.result(s.changeId);
      },
    );
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ type: 'ManualRollback' });
    expect(report.pendingDecisions).toEqual([]);
    expect(s.fakes.steps('snapshotStep')).toEqual([]);
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });

  test('given a change in the middle of its second step, when the requester asks for a rollback, then that step finishes, the third never starts and both are restored in reverse order', async () => {
    let reached!: () => void;
    let release!: () => void;
    const inSecondStep = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holdSecond = (call: FakeCall) => {
      if (call.activity !== 'applyAndVerifyStep' || call.stepId !== 's1') return;
      reached();
      return released;
    };
    const s = await saga(ts, 'between-steps', { before: holdSecond });
    const report = await s.run(change(steps(3)), async () => {
      await inSecondStep;
      try {
        await expect(s.changes.requestRollback(s.changeId, why(REQUESTER, 'errors'))).resolves.toEqual({
          status: 'accepted',
        });
      } finally {
        // Released whatever happened, or the worker would wait for the apply at shutdown.
        release();
      }
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ type: 'ManualRollback' });
    expect(report.rollbackRequest).toMatchObject({ actor: REQUESTER, category: 'errors' });
    expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['s0', 's1']);
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s1', 's0']);
    expect(report.steps.map((step) => step.state)).toEqual(['restored', 'restored', 'pending']);
  });

  test('given a failed step waiting for a decision, when the on-call asks for a rollback twice, then the question closes, the second request is a no-op and the applied step is restored', async () => {
    const s = await saga(ts, 'waiting', { failApply: { s1: Infinity } });
    const report = await s.run(
      change(steps(2), { onStepFailure: 'ask', escalation: { levels: twoLevels() } }),
      async () => {
        await s.question('step-failure');
        await expect(s.changes.requestRollback(s.changeId, why(ONCALL))).resolves.toEqual({ status: 'accepted' });
        await expect(s.changes.requestRollback(s.changeId, why(ONCALL))).resolves.toEqual({
          status: 'already-requested',
        });
        return s.changes.result(s.changeId);
      },
    );
    expect(report.phase).toBe('rolled-back');
    expect(report.rollbackRequest).toMatchObject({
      actor: ONCALL,
      category: 'business-impact',
      reason: why(ONCALL).reason,
    });
    expect(report.cause).toMatchObject({ type: 'ManualRollback' });
    expect(report.decisions).toEqual([]);
    expect(report.timeline.filter((e) => e.event === 'rollback requested')).toHaveLength(1);
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s1', 's0']);
  });

  test('given a change in its observation window, when the on-call asks for a rollback, then the window ends at once and the change rolls back', async () => {
    const s = await saga(ts, 'observing');
    const report = await s.run(
      change(steps(2), {
        observe: { bakeTime: '1d', interval: '1h', triggers: [errorRate()] },
        escalation: { levels: twoLevels() },
      }),
      async () => {
        await s.until((status) => status.phase === 'observing');
        await s.skip('3h');
        await s.changes.requestRollback(s.changeId, why(ONCALL, 'user-feedback'));
        return s.changes.result(s.changeId);
      },
    );
    expect(report.phase).toBe('rolled-back');
    expect(report.observation!.outcome).toBe('interrupted');
    expect(report.cause).toMatchObject({ type: 'ManualRollback' });
    expect(Date.parse(report.observation!.endedAt!) - Date.parse(report.observation!.startedAt)).toBeLessThan(
      4 * 3_600_000,
    );
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s1', 's0']);
  });

  test('given someone who is neither requester nor decider, when they ask for a rollback, then it is refused and the change goes on', async () => {
    const s = await saga(ts, 'stranger', { failApply: { s1: 1 } });
    const report = await s.run(
      change(steps(2), { onStepFailure: 'ask', escalation: { levels: twoLevels() } }),
      async () => {
        await s.question('step-failure');
        await expect(s.changes.requestRollback(s.changeId, why('stranger@example.com'))).rejects.toBeInstanceOf(
          RequestRefusedError,
        );
        expect((await s.changes.status(s.changeId)).phase).toBe('awaiting-decision');
        await s.changes.decide(s.changeId, { decision: 'retry', actor: ONCALL });
        return s.changes.result(s.changeId);
      },
    );
    expect(report.phase).toBe('completed');
    expect(report.rollbackRequest).toBeUndefined();
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });

  test('given a completed change, when a rollback is asked for, then it is refused as closed and nothing is restored', async () => {
    const s = await saga(ts, 'done');
    await s.run(change(steps(1)), async () => {
      expect((await s.changes.result(s.changeId)).phase).toBe('completed');
      await expect(s.changes.requestRollback(s.changeId, why(REQUESTER))).rejects.toBeInstanceOf(ChangeClosedError);
    });
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });
});

import type { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { notificationsCollection } from '../../src/store/notifications';
import { ChangeNotFoundError, RequestRefusedError } from '../../src/client/errors';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { EscalationLevelKey } from '../../src/workflows/search-attributes';
import { capStep, failingStep, levels, request, waitForPhase, waitForQuestion } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

describe('step failure: policy ask and hold, decisions, deadlines and escalation', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let a: string;
  let b: string;

  beforeEach(async () => {
    env = await openTestEnv();
    [a, b] = [uniqueId('a'), uniqueId('b')];
    flows = await seedFlows(env.db, [a, b]);
    await env.startWorker();
  });
  afterEach(() => env.close());

  const ops = levels(['on-call', ['oncall@example.com'], '1h'], ['managers', ['manager@example.com'], '1h']);
  const askChange = (
    second: ChangeRequestInput['steps'][number],
    escalation: { levels: typeof ops; whenExhausted?: 'rollback' | 'hold' } = { levels: ops },
  ) => request({ steps: [capStep('first', a, 30), second], policy: { onStepFailure: 'ask', escalation } });

  test('given policy ask, when the failed step is retried after the target exists, then the change completes', async () => {
    const missing = uniqueId('missing');
    const changeId = uniqueId('retry');
    await env.changes.start(askChange(capStep('second', missing, 50)), { changeId });
    const question = await waitForQuestion(env.changes, changeId, { kind: 'step-failure' });
    expect(question).toMatchObject({ stepId: 'second', level: 0, options: ['retry', 'skip', 'rollback', 'hold'] });
    expect((await env.changes.status(changeId)).phase).toBe('awaiting-decision');

    await flows.create(missing, sampleFlowConfig(missing));
    await env.changes.decide(changeId, { decision: 'retry', actor: 'oncall@example.com' });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');
    expect(report.steps.map((s) => s.state)).toEqual(['applied', 'applied']);
    expect((await flows.get(missing))!.config.pricing).toEqual({ cap: 50, currency: 'USD' });
  });

  test('given policy ask, when the failed step is skipped, then the change completes with the step skipped', async () => {
    const changeId = uniqueId('skip');
    await env.changes.start(askChange(failingStep('second', b)), { changeId });
    await waitForQuestion(env.changes, changeId);

    await env.changes.decide(changeId, {
      decision: 'skip',
      actor: 'oncall@example.com',
      comment: 'EUR pricing comes next week',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');
    expect(report.steps.map((s) => s.state)).toEqual(['applied', 'skipped']);
  });

  test('given policy ask, when the decision is rollback, then the applied step is restored', async () => {
    const changeId = uniqueId('rollback');
    await env.changes.start(askChange(failingStep('second', b)), { changeId });
    await waitForQuestion(env.changes, changeId);

    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 'second', type: 'InvalidStepError' });
    expect(report.steps[0]!.state).toBe('restored');
    expect((await flows.get(a))!.config).toEqual(sampleFlowConfig(a));
  });

  test('given policy ask, when someone decides hold, then the change stays paused until a later rollback decision', async () => {
    const changeId = uniqueId('hold');
    await env.changes.start(askChange(failingStep('second', b)), { changeId });
    await waitForQuestion(env.changes, changeId);

    await env.changes.decide(changeId, { decision: 'hold', actor: 'oncall@example.com' });
    const held = await waitForPhase(env.changes, changeId, 'held');
    expect(held.pendingDecisions[0]).toMatchObject({ mode: 'hold', kind: 'step-failure' });
    expect(held.pendingDecisions[0]!.deadline).toBeUndefined();

    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    expect((await env.changes.result(changeId)).phase).toBe('rolled-back');
  });

  test('given policy hold, when a step fails, then the change waits without deadline and takes a decision', async () => {
    const changeId = uniqueId('policy-hold');
    await env.changes.start(
      { ...askChange(failingStep('second', b)), policy: { onStepFailure: 'hold', escalation: { levels: ops } } },
      { changeId },
    );
    const question = await waitForQuestion(env.changes, changeId);
    expect(question.mode).toBe('hold');
    expect((await env.changes.status(changeId)).phase).toBe('held');

    await env.changes.decide(changeId, { decision: 'skip', actor: 'oncall@example.com' });
    expect((await env.changes.result(changeId)).phase).toBe('completed');
  });

  test('given a step-failure question, when an approval arrives, then it is refused as not fitting the state', async () => {
    const changeId = uniqueId('wrong-state');
    await env.changes.start(askChange(failingStep('second', b)), { changeId });
    await waitForQuestion(env.changes, changeId);

    await expect(env.changes.decide(changeId, { decision: 'approve', actor: 'oncall@example.com' })).rejects.toThrow(
      RequestRefusedError,
    );
    await expect(
      env.changes.decide(changeId, { decision: 'retry', actor: 'oncall@example.com', questionId: 'stale' }),
    ).rejects.toThrow(/no open question/);

    expect((await env.changes.status(changeId)).decisions).toEqual([]);
    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    await env.changes.result(changeId);
  });

  test('given an unknown change, when a decision is sent, then ChangeNotFoundError is raised', async () => {
    await expect(
      env.changes.decide(uniqueId('nobody'), { decision: 'approve', actor: 'oncall@example.com' }),
    ).rejects.toThrow(ChangeNotFoundError);
    await expect(env.changes.status(uniqueId('nobody'))).rejects.toThrow(ChangeNotFoundError);
  });

  test('given short deadlines and no decision, when every level lapses, then it escalates, notifies each level and rolls back by policy', async () => {
    const changeId = uniqueId('escalate');
    const fast = levels(['on-call', ['oncall@example.com'], '1s'], ['managers', ['manager@example.com'], '1s']);
    await env.changes.start(askChange(failingStep('second', b), { levels: fast }), { changeId });
    const escalated = await waitForQuestion(env.changes, changeId, { level: 1 });
    // The worker's (built-in) policy floor lets the admin group break glass at every level.
    expect(escalated.mayDecide.map((m) => m.level)).toEqual(['on-call', 'managers', 'break-glass']);
    const description = await env.client.workflow.getHandle(changeWorkflowId(changeId)).describe();
    expect(description.typedSearchAttributes.get(EscalationLevelKey)).toBe(1);

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    const events = report.timeline.map((e) => e.event);
    expect(events).toEqual(
      expect.arrayContaining(['decision asked', 'escalated', 'escalation exhausted', 'step restored']),
    );
    const sent = await eventually(async () => {
      const docs = await notificationsCollection(env.db).find({ changeId }).toArray();
      return docs.some((d) => d.event === 'rollback-finished') ? docs : undefined;
    });
    expect(sent.filter((n) => n.event === 'decision-needed').map((n) => n.channels)).toEqual([['webhook:on-call']]);
    expect(sent.filter((n) => n.event === 'escalated').map((n) => n.channels)).toEqual([['webhook:managers']]);
    // The operator's query for changes that escalated still finds it once it has ended.
    const found = await eventually(async () => {
      const query = `ChangeId = "${changeId}" AND EscalationLevel >= 1 AND ExecutionStatus = "Completed"`;
      for await (const execution of env.client.workflow.list({ query })) return execution.workflowId;
      return undefined;
    });
    expect(found).toBe(changeWorkflowId(changeId));
  });

  test('given escalation to a second level, when the first-level decider still decides, then the wider set accepts it', async () => {
    const changeId = uniqueId('widen');
    const fast = levels(['on-call', ['oncall@example.com'], '1s'], ['managers', ['manager@example.com'], '1h']);
    await env.changes.start(askChange(failingStep('second', b), { levels: fast }), { changeId });
    await waitForQuestion(env.changes, changeId, { level: 1 });

    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    const report = await env.changes.result(changeId);
    expect(report.decisions[0]).toMatchObject({ actor: 'oncall@example.com', level: 1 });
  });

  test('given whenExhausted hold, when every level lapses, then the change stays held for the widest level', async () => {
    const changeId = uniqueId('exhaust-hold');
    const fast = levels(['on-call', ['oncall@example.com'], '1s']);
    await env.changes.start(askChange(failingStep('second', b), { levels: fast, whenExhausted: 'hold' }), { changeId });
    const held = await waitForPhase(env.changes, changeId, 'held');
    expect(held.timeline.map((e) => e.event)).toContain('escalation exhausted');

    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    expect((await env.changes.result(changeId)).phase).toBe('rolled-back');
  });
});

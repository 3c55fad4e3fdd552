import type { FlowStore } from '../../src/store/flows';
import { ChangeClosedError } from '../../src/client/errors';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

describe('manual rollback: accepted while applying, waiting or awaiting approval; refused once finished', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let ids: string[];

  beforeEach(async () => {
    env = await openTestEnv();
    ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
    flows = await seedFlows(env.db, ids);
  });
  afterEach(() => env.close());

  const deciders = { levels: levels(['on-call', ['oncall@example.com'], '1h']) };
  const why = { reason: 'acceptance dropped 12% in the first minutes', category: 'business-impact' as const };

  test('given a change waiting for a step-failure decision, when rollback is requested, then applied steps are restored and the report keeps who, why and the category', async () => {
    await env.startWorker();
    const changeId = uniqueId('waiting');
    await env.changes.start(
      request({
        steps: [capStep('one', ids[0]!, 30), failingStep('two', ids[1]!)],
        policy: { onStepFailure: 'ask', escalation: deciders },
      }),
      {
        changeId,
      },
    );
    await waitForQuestion(env.changes, changeId);

    const first = await env.changes.requestRollback(changeId, { actor: 'oncall@example.com', ...why });
    const second = await env.changes.requestRollback(changeId, { actor: 'oncall@example.com', ...why });

    expect(first.status).toBe('accepted');
    expect(second.status).toBe('already-requested');
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.rollbackRequest).toMatchObject({
      actor: 'oncall@example.com',
      category: 'business-impact',
      reason: why.reason,
    });
    expect(report.cause).toMatchObject({ type: 'ManualRollback' });
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
  });

  test('given a change between steps, when the requester asks for rollback, then the rest is not applied and the applied steps are restored', async () => {
    await env.startWorker({ maxActivitiesPerSecond: 1 });
    const changeId = uniqueId('applying');
    await env.changes.start(request({ steps: ids.map((id, i) => capStep(`s${i}`, id, 30 + i)) }), { changeId });
    await eventually(async () => ((await flows.get(ids[0]!))!.version === 2 ? true : undefined));

    await env.changes.requestRollback(changeId, { actor: 'requester@example.com', ...why, category: 'errors' });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.steps[2]!.state).toBe('pending');
    expect((await flows.get(ids[2]!))!.version).toBe(1);
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
  });

  test('given a change awaiting approval, when rollback is requested, then it ends with nothing applied', async () => {
    await env.startWorker();
    const changeId = uniqueId('approval');
    await env.changes.start(
      request({ steps: [capStep('one', ids[0]!, 30)], policy: { approval: 'required', escalation: deciders } }),
      { changeId },
    );
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    await env.changes.requestRollback(changeId, { actor: 'oncall@example.com', ...why, category: 'compliance' });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect((await flows.get(ids[0]!))!.version).toBe(1);
  });

  test('given someone who is neither requester nor decider, when they request rollback, then it is refused and nothing changes', async () => {
    await env.startWorker();
    const changeId = uniqueId('stranger');
    await env.changes.start(
      request({
        steps: [capStep('one', ids[0]!, 30), failingStep('two', ids[1]!)],
        policy: { onStepFailure: 'ask', escalation: deciders },
      }),
      {
        changeId,
      },
    );
    await waitForQuestion(env.changes, changeId);

    await expect(env.changes.requestRollback(changeId, { actor: 'stranger@example.com', ...why })).rejects.toThrow(
      /may not roll back/,
    );
    expect((await env.changes.status(changeId)).phase).toBe('awaiting-decision');
    await env.changes.decide(changeId, { decision: 'skip', actor: 'oncall@example.com' });
    await env.changes.result(changeId);
  });

  test('given a completed change, when rollback is requested, then it is refused with a clear error', async () => {
    await env.startWorker();
    const changeId = uniqueId('done');
    await env.changes.start(request({ steps: [capStep('one', ids[0]!, 30)] }), { changeId });
    await env.changes.result(changeId);

    await expect(env.changes.requestRollback(changeId, { actor: 'requester@example.com', ...why })).rejects.toThrow(
      ChangeClosedError,
    );
    expect((await flows.get(ids[0]!))!.version).toBe(2);
  });
});

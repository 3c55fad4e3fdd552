import { WorkflowFailedError } from '@temporalio/client';
import { reportsCollection } from '../../src/store/reports';
import type { FlowStore } from '../../src/store/flows';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

describe('compensation: reverse order, parallel groups, never dropped, survives cancellation', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let ids: string[];

  beforeEach(async () => {
    env = await openTestEnv();
    ids = [uniqueId('a'), uniqueId('b'), uniqueId('c'), uniqueId('d')];
    flows = await seedFlows(env.db, ids);
    await env.startWorker();
  });
  afterEach(() => env.close());

  const deciders = { levels: levels(['on-call', ['oncall@example.com'], '1h']) };
  const askChange = () =>
    request({
      steps: [capStep('one', ids[0]!, 30), failingStep('two', ids[1]!)],
      policy: { onStepFailure: 'ask', escalation: deciders },
    });

  test('given a restore that fails after its retries, when a person fixes the target and decides retry-compensation, then the restore succeeds', async () => {
    const changeId = uniqueId('comp-retry');
    await env.changes.start(askChange(), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'step-failure' });
    const applied = (await flows.get(ids[0]!))!;
    await flows.flows.deleteOne({ _id: ids[0]! });

    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    const question = await waitForQuestion(env.changes, changeId, { kind: 'compensation' });
    expect(question).toMatchObject({ stepId: 'one', options: ['retry-compensation', 'resolved-manually'] });
    expect((await env.changes.status(changeId)).steps[0]!.state).toBe('compensation-failed');
    await flows.flows.insertOne(applied);
    await env.changes.decide(changeId, { decision: 'retry-compensation', actor: 'oncall@example.com' });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.steps[0]!.state).toBe('restored');
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
  });

  test('given a restore that meets a later edit, when a person resolves it manually, then the edit is kept and the report says who resolved it', async () => {
    const changeId = uniqueId('conflict');
    await env.changes.start(askChange(), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'step-failure' });
    const current = (await flows.get(ids[0]!))!;
    await flows.write(
      ids[0]!,
      current.version,
      { ...current.config, enabled: false },
      { action: 'edit', actor: 'teammate@example.com' },
    );

    await env.changes.decide(changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    await waitForQuestion(env.changes, changeId, { kind: 'compensation' });
    await expect(
      env.changes.decide(changeId, { decision: 'resolved-manually', actor: 'oncall@example.com' }),
    ).rejects.toThrow(/needs a comment/);
    await env.changes.decide(changeId, {
      decision: 'resolved-manually',
      actor: 'oncall@example.com',
      comment: 'kept the teammate edit, cap set back by hand',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.steps[0]).toMatchObject({
      state: 'conflict',
      restore: { status: 'conflict', conflicts: { count: 1 } },
      resolvedManually: { actor: 'oncall@example.com', comment: 'kept the teammate edit, cap set back by hand' },
    });
    expect((await flows.get(ids[0]!))!).toMatchObject({ version: 3, config: { enabled: false } });
  });

  test('given an independent group, when the change rolls back, then the group is compensated in parallel and the rest in reverse order', async () => {
    const changeId = uniqueId('parallel');
    await env.changes.start(
      request({
        steps: [
          capStep('s0', ids[0]!, 30),
          capStep('s1', ids[1]!, 31),
          capStep('s2', ids[2]!, 32),
          failingStep('s3', ids[3]!),
        ],
        policy: { compensation: { independentGroups: [['s1', 's2']] } },
      }),
      { changeId },
    );

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    // s3 failed before writing anything: it is compensated first, as a no-op.
    expect(report.steps[3]).toMatchObject({ state: 'failed', restore: { status: 'not-applied' } });
    const order = report.timeline
      .filter((e) => ['step compensating', 'step restored'].includes(e.event) && e.stepId !== 's3')
      .map((e) => `${e.event.split(' ')[1]}:${e.stepId}`);
    expect(order.slice(0, 2).sort()).toEqual(['compensating:s1', 'compensating:s2']);
    expect(order.slice(2, 4).sort()).toEqual(['restored:s1', 'restored:s2']);
    expect(order.slice(4)).toEqual(['compensating:s0', 'restored:s0']);
    for (const id of ids.slice(0, 3)) expect((await flows.get(id))!.config).toEqual(sampleFlowConfig(id));
  });

  test('given a change waiting for a decision, when the workflow is cancelled, then it still restores what was applied and ends cancelled', async () => {
    const changeId = uniqueId('cancel');
    await env.changes.start(askChange(), { changeId });
    await waitForQuestion(env.changes, changeId);
    const handle = env.client.workflow.getHandle(changeWorkflowId(changeId));

    await handle.cancel();

    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await flows.get(ids[0]!))!.config).toEqual(sampleFlowConfig(ids[0]!));
    const stored = await eventually(() =>
      reportsCollection(env.db)
        .findOne({ _id: changeId })
        .then((r) => r ?? undefined),
    );
    expect(stored).toMatchObject({ phase: 'rolled-back', cancelled: true, cause: { type: 'Cancelled' } });
    expect(stored.steps[0]!.state).toBe('restored');
  });
});

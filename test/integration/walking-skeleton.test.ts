import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import { reportsCollection } from '../../src/store/reports';
import type { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { seedFlows, sampleFlowConfig } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

function threeStepChange(flows: string[], failLast: boolean): ChangeRequestInput {
  return {
    title: 'Raise caps and reroute deliveries',
    requestedBy: 'ops@example.com',
    steps: [
      {
        id: 'raise-cap',
        target: 'flow-config',
        spec: { flowId: flows[0]!, patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] },
      },
      {
        id: 'reroute',
        target: 'flow-config',
        spec: { flowId: flows[1]!, patch: [{ op: 'replace', path: '/steps/2/recipient', value: 'crm-west' }] },
      },
      {
        id: 'add-filter',
        target: 'flow-config',
        spec: {
          flowId: flows[2]!,
          patch: failLast
            ? [
                { op: 'test', path: '/pricing/currency', value: 'EUR' },
                { op: 'replace', path: '/enabled', value: false },
              ]
            : [{ op: 'add', path: '/steps/0/rules/-', value: { field: 'age', op: 'gte', value: 18 } }],
        },
      },
    ],
  };
}

describe('walking skeleton: a flow-config change saga on real Temporal and a real database', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let flowIds: string[];

  beforeEach(async () => {
    env = await openTestEnv();
    flowIds = [uniqueId('solar'), uniqueId('auto'), uniqueId('home')];
    flows = await seedFlows(env.db, flowIds);
  });

  afterEach(async () => {
    await env.close();
  });

  test('given three valid steps, when the change runs, then every flow carries its patch at version 2 and the report is stored', async () => {
    await env.startWorker();
    const changeId = uniqueId('happy');
    await env.changes.start(threeStepChange(flowIds, false), { changeId });

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    expect(report.steps.map((s) => s.state)).toEqual(['applied', 'applied', 'applied']);
    const [first, second, third] = await Promise.all(flowIds.map((id) => flows.get(id)));
    expect(first).toMatchObject({ version: 2, config: { pricing: { cap: 35 } } });
    expect((second!.config.steps as { recipient?: string }[])[2]!.recipient).toBe('crm-west');
    expect((third!.config.steps as { rules: unknown[] }[])[0]!.rules).toHaveLength(2);
    expect((await flows.history(flowIds[0]!)).map((v) => v.version)).toEqual([1, 2]);
    const stored = await reportsCollection(env.db).findOne({ _id: changeId });
    expect(stored?.phase).toBe('completed');
  });

  test('given step 3 of 3 fails, when the change runs, then steps 2 and 1 are restored in that order, deep-equal to their recovery points', async () => {
    await env.startWorker();
    const changeId = uniqueId('fail');
    await env.changes.start(threeStepChange(flowIds, true), { changeId });

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 'add-filter', type: 'InvalidStepError' });
    expect(report.steps.map((s) => [s.id, s.state])).toEqual([
      ['raise-cap', 'restored'],
      ['reroute', 'restored'],
      ['add-filter', 'failed'],
    ]);
    const restoredOrder = report.timeline.filter((e) => e.event === 'step restored').map((e) => e.stepId);
    expect(restoredOrder).toEqual(['reroute', 'raise-cap']);

    const points = new RecoveryPointStore(env.db);
    for (const [index, step] of report.steps.slice(0, 2).entries()) {
      const point = await points.get({ changeId, stepId: step.id }, 'before-apply');
      expect(step.restore).toMatchObject({ status: 'restored', recoveryPointId: point!._id });
      const flow = await flows.get(flowIds[index]!);
      expect(flow!.config).toEqual(point!.state);
      expect(flow!.config).toEqual(sampleFlowConfig(flowIds[index]!));
      // History is never rewritten: the restore is version 3, noting which version it restores.
      expect(flow).toMatchObject({ version: 3, writtenBy: { action: 'restore', changeId, restoresVersion: 1 } });
    }
    const untouched = await flows.get(flowIds[2]!);
    expect(untouched!.version).toBe(1);
  });

  test('given a rolled-back change, when its compensation runs again, then the state stays the same', async () => {
    await env.startWorker();
    const changeId = uniqueId('twice');
    const request = threeStepChange(flowIds, true);
    await env.changes.start(request, { changeId });
    await env.changes.result(changeId);
    const before = await Promise.all(flowIds.map((id) => flows.get(id)));

    const activities = createActivities({ db: env.db });
    const activityEnv = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
    for (const step of [...request.steps].reverse()) {
      const input = { changeId, step: step as never };
      const outcome = (await activityEnv.run(activities.restoreStep, input)) as Awaited<
        ReturnType<typeof activities.restoreStep>
      >;
      // Restored by the workflow already: reported as that restore again, nothing written twice.
      expect(['restored', 'not-applied']).toContain(outcome.status);
      await activityEnv.run(activities.verifyRestoreStep, input);
    }

    expect(await Promise.all(flowIds.map((id) => flows.get(id)))).toEqual(before);
  });

  test('given a worker stopped between two steps, when a new worker starts, then the change ends right with each step applied once', async () => {
    // One activity per second makes the gap between step 1 and step 2 wide enough to stop in.
    const first = await env.startWorker({ maxActivitiesPerSecond: 1 });
    const changeId = uniqueId('restart');
    await env.changes.start(threeStepChange(flowIds, false), { changeId });
    await eventually(async () => ((await flows.get(flowIds[0]!))?.version === 2 ? true : undefined));
    await first.stop();

    const description = await env.client.workflow.getHandle(changeWorkflowId(changeId)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect((await flows.get(flowIds[1]!))!.version).toBe(1);

    await env.startWorker();
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    for (const id of flowIds) {
      const history = await flows.history(id);
      expect(history.map((v) => [v.version, v.writtenBy.action])).toEqual([
        [1, 'create'],
        [2, 'apply'],
      ]);
    }
  });
});

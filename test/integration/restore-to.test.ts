import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import type { FlowStore } from '../../src/store/flows';
import { RESTORE_STEP_ID } from '../../src/client/restore-flow';
import { ValidationError } from '../../src/domain/validation';
import type { Step } from '../../src/domain/status';
import { capStep, failingStep, request } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const requestedBy = 'ops@example.com';

describe('restore a flow to a version or a point in time, as a change that can be rolled back', () => {
  let env: TestEnv;
  let flows: FlowStore;
  let flowId: string;
  let changeA: string;
  let changeB: string;

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
  });

  afterAll(async () => {
    await env?.close();
  });

  /** A fresh flow changed twice: change A sets the cap to 35 (version 2), change B to 40 (version 3). */
  beforeEach(async () => {
    flowId = uniqueId('solar');
    flows = await seedFlows(env.db, [flowId]);
    changeA = uniqueId('cap-35');
    changeB = uniqueId('cap-40');
    await env.changes.start(request({ steps: [capStep('cap', flowId, 35)] }), { changeId: changeA });
    expect((await env.changes.result(changeA)).phase).toBe('completed');
    await env.changes.start(request({ steps: [capStep('cap', flowId, 40)] }), { changeId: changeB });
    expect((await env.changes.result(changeB)).phase).toBe('completed');
  });

  const cap = async () => ((await flows.get(flowId))!.config.pricing as { cap: number }).cap;

  test('given a flow changed twice, when restored to version 1, then version 4 carries version 1 with its lineage, and a restore of that restore brings version 3 back', async () => {
    const restoreId = uniqueId('restore-v1');
    await env.changes.restoreFlow(flowId, { version: 1 }, { changeId: restoreId, requestedBy });
    const report = await env.changes.result(restoreId);

    expect(report.phase).toBe('completed');
    expect(report.steps[0]).toMatchObject({
      id: RESTORE_STEP_ID,
      state: 'applied',
      recoveryPoint: { summary: `flow ${flowId} at version 3` },
      applied: { summary: `flow ${flowId} version 3 → 4 restores version 1, undoing change(s) ${changeA}, ${changeB}` },
    });
    const restored = await flows.get(flowId);
    expect(restored).toMatchObject({ version: 4, config: sampleFlowConfig(flowId) });
    expect(restored!.writtenBy).toEqual({
      action: 'apply',
      changeId: restoreId,
      stepId: RESTORE_STEP_ID,
      restoresVersion: 1,
      undoesChanges: [changeA, changeB],
    });

    // Undoing the restore is one more restore, with its own lineage.
    const undoId = uniqueId('restore-v3');
    await env.changes.restoreFlow(flowId, { version: 3 }, { changeId: undoId, requestedBy, expectedVersion: 4 });
    expect((await env.changes.result(undoId)).phase).toBe('completed');
    expect(await flows.get(flowId)).toMatchObject({
      version: 5,
      writtenBy: { restoresVersion: 3, undoesChanges: [restoreId] },
    });
    expect(await cap()).toBe(40);
    expect((await flows.history(flowId)).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });

  test('given a timestamp between the two changes, when restored to that time, then the configuration change A wrote comes back and only change B is undone', async () => {
    const [, v2, v3] = await flows.history(flowId);
    expect(v3!.writtenAt.getTime()).toBeGreaterThan(v2!.writtenAt.getTime());
    const restoreId = uniqueId('restore-at');

    await env.changes.restoreFlow(flowId, { at: v2!.writtenAt.toISOString() }, { changeId: restoreId, requestedBy });
    const report = await env.changes.result(restoreId);

    expect(report.phase).toBe('completed');
    expect(report.title).toBe(`Restore flow ${flowId} to its configuration at ${v2!.writtenAt.toISOString()}`);
    expect(await flows.get(flowId)).toMatchObject({
      version: 4,
      config: v2!.config,
      writtenBy: { restoresVersion: 2, undoesChanges: [changeB] },
    });
    expect(await cap()).toBe(35);
  });

  test('given a restore step followed by a step that fails, when the change runs, then the restore is rolled back and the flow is back at its pre-restore content', async () => {
    const other = uniqueId('auto');
    await seedFlows(env.db, [other]);
    const changeId = uniqueId('restore-then-fail');
    const restoreStep = { id: 'restore', target: 'flow-config', spec: { flowId, restoreTo: { version: 1 } } } as const;

    await env.changes.start(
      request({ title: 'Restore solar, then retarget auto', steps: [restoreStep, failingStep('retarget', other)] }),
      { changeId },
    );
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.steps.map((s) => [s.id, s.state])).toEqual([
      ['restore', 'restored'],
      ['retarget', 'failed'],
    ]);
    expect(report.steps[0]!.restore).toMatchObject({
      status: 'restored',
      summary: expect.stringContaining('restores version 3'),
    });
    const history = await flows.history(flowId);
    expect(history.map((v) => [v.version, v.writtenBy.action, v.writtenBy.restoresVersion])).toEqual([
      [1, 'create', undefined],
      [2, 'apply', undefined],
      [3, 'apply', undefined],
      [4, 'apply', 1],
      [5, 'restore', 3],
    ]);
    expect(history[3]!.writtenBy.undoesChanges).toEqual([changeA, changeB]);
    expect((await flows.get(flowId))!.config).toEqual(history[2]!.config);
  });

  test('given a completed restore, when its rollback is previewed, then the diff leads back to the pre-restore configuration without changing it', async () => {
    const restoreId = uniqueId('restore-preview');
    await env.changes.restoreFlow(flowId, { version: 1 }, { changeId: restoreId, requestedBy });
    await env.changes.result(restoreId);
    const step: Step = { id: RESTORE_STEP_ID, target: 'flow-config', spec: { flowId, restoreTo: { version: 1 } } };

    const activities = createActivities({ db: env.db });
    const preview = (await new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') }).run(
      activities.previewRestoreStep,
      { changeId: restoreId, step },
    )) as Awaited<ReturnType<typeof activities.previewRestoreStep>>;

    expect(preview.operations).toEqual([{ op: 'replace', path: '/pricing/cap', value: 40 }]);
    expect((await flows.get(flowId))!.version).toBe(4);
  });

  test('given a stale expected version, a missing version or the current version, when restoring, then the change ends without writing and says why', async () => {
    const cases = [
      {
        restoreTo: { version: 1 },
        expectedVersion: 2,
        type: 'ConflictError',
        message: 'is at version 3, the change expects 2',
      },
      { restoreTo: { version: 9 }, type: 'TargetNotFoundError', message: 'has no version 9' },
      {
        restoreTo: { at: '2000-01-01T00:00:00Z' },
        type: 'TargetNotFoundError',
        message: 'no version written at or before 2000-01-01T00:00:00Z',
      },
      { restoreTo: { version: 3 }, type: 'InvalidStepError', message: 'restoring version 3 would change nothing' },
    ];
    for (const { restoreTo, expectedVersion, type, message } of cases) {
      const changeId = uniqueId('restore-refused');
      await env.changes.restoreFlow(flowId, restoreTo, { changeId, requestedBy, expectedVersion });
      const report = await env.changes.result(changeId);
      expect(report.phase).toBe('rolled-back');
      expect(report.cause).toMatchObject({ stepId: RESTORE_STEP_ID, type, message: expect.stringContaining(message) });
    }
    expect((await flows.get(flowId))!.version).toBe(3);
  });

  test('given a bad target, when restoring through the client, then a ValidationError names the field and nothing starts', async () => {
    const changeId = uniqueId('restore-bad');
    await expect(env.changes.restoreFlow(flowId, { version: 0 }, { changeId, requestedBy })).rejects.toThrow(
      ValidationError,
    );
    await expect(env.changes.restoreFlow(flowId, { version: 0 }, { changeId, requestedBy })).rejects.toMatchObject({
      issues: [{ path: 'restoreTo.version' }],
    });
    await expect(env.changes.describe(changeId)).rejects.toThrow(/no change/);
  });
});

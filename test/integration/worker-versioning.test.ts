import type { Client } from '@temporalio/client';
import { pinnedTo } from '../../src/worker';
import { capStep, levels, request, waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

/** Makes `buildId` the deployment's current version, once its worker has polled (the server knows it only then). */
async function makeCurrent(client: Client, deploymentName: string, buildId: string): Promise<void> {
  await eventually(async () => {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: 'default',
        deploymentName,
        buildId,
        identity: 'worker-versioning test',
      });
      return true;
    } catch {
      return undefined;
    }
  });
}

/** The build a change's workflow is pinned to, as the server records it. */
async function pinnedBuild(client: Client, workflowId: string): Promise<string | undefined> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  return info?.deploymentVersion?.buildId ?? undefined;
}

/** The builds that completed the workflow's tasks, in order (each WorkflowTaskCompleted names its worker's version). */
async function buildsThatRan(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const completed = event.workflowTaskCompletedEventAttributes;
    return completed ? [completed.deploymentVersion?.buildId ?? '(unversioned)'] : [];
  });
}

describe('worker versioning: a change waiting for a decision finishes on the build that started it', () => {
  let env: TestEnv;

  beforeEach(async () => {
    env = await openTestEnv();
  });
  afterEach(() => env.close());

  test('given a change held for approval on build A, when build B becomes current, then new changes run on B and the held change is approved and finishes on A', async () => {
    const deploymentName = uniqueId('lead-rollback');
    const [held, next] = [uniqueId('flow'), uniqueId('flow')];
    const flows = await seedFlows(env.db, [held, next]);
    await env.startWorker({ workerDeploymentOptions: pinnedTo({ deploymentName, buildId: 'build-a' }) });
    await makeCurrent(env.client, deploymentName, 'build-a');

    const waiting = uniqueId('waiting');
    await env.changes.start(
      request({
        steps: [capStep('cap', held, 30)],
        policy: { approval: 'required', escalation: { levels: levels(['on-call', ['oncall@example.com'], '1h']) } },
      }),
      { changeId: waiting },
    );
    await waitForQuestion(env.changes, waiting, { kind: 'approval' });
    expect(await pinnedBuild(env.client, `change-${waiting}`)).toBe('build-a');

    // The upgrade: build B starts next to A and becomes current.
    await env.startWorker({ workerDeploymentOptions: pinnedTo({ deploymentName, buildId: 'build-b' }) });
    await makeCurrent(env.client, deploymentName, 'build-b');
    const fresh = uniqueId('fresh');
    await env.changes.start(request({ steps: [capStep('cap', next, 31)] }), { changeId: fresh });
    expect((await env.changes.result(fresh)).phase).toBe('completed');
    expect(await pinnedBuild(env.client, `change-${fresh}`)).toBe('build-b');

    await env.changes.decide(waiting, { decision: 'approve', actor: 'oncall@example.com' });
    expect((await env.changes.result(waiting)).phase).toBe('completed');
    expect(await pinnedBuild(env.client, `change-${waiting}`)).toBe('build-a');
    // Every workflow task of the held change, the ones after the approval included, ran on A; the new one's on B.
    const ranWaiting = await buildsThatRan(env.client, `change-${waiting}`);
    expect(ranWaiting.length).toBeGreaterThan(3);
    expect(new Set(ranWaiting)).toEqual(new Set(['build-a']));
    expect(new Set(await buildsThatRan(env.client, `change-${fresh}`))).toEqual(new Set(['build-b']));
    expect((await flows.get(held))!.config).toMatchObject({ pricing: { cap: 30 } });
  });
});

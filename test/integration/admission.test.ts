import type { Identity } from '../../src/auth/identity';
import { ChangeClient } from '../../src/client';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { approvalChange } from '../helpers/change-requests';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const tokens: Record<string, Identity> = {
  'requester-token-0001': { actor: 'requester@example.com', roles: ['requester'], groups: [] },
};
const REQUESTER = 'requester-token-0001';

describe('admission: starting a change answers what it does first, in the same call', () => {
  let env: TestEnv;
  let api: RunningApi;

  // One environment per test, so `npm run histories:record` stores each test's histories under its name.
  beforeEach(async () => {
    env = await openTestEnv();
    await env.startWorker();
    api = await startApi(env, { tokens });
  });

  afterEach(async () => {
    await api?.close();
    await env?.close();
  });

  const escalation = { levels: levels(['on-call', ['oncall@example.com'], '1h']) };
  const flow = async () => {
    const id = uniqueId('flow');
    await seedFlows(env.db, [id]);
    return id;
  };
  const start = (body: object, key = uniqueId('key')) =>
    call(api, 'POST', '/v1/changes', { token: REQUESTER, body, headers: { 'idempotency-key': key } });

  test('given a change that needs approval, when started over HTTP (and again with its key), then both answers carry the approval question it asks first', async () => {
    const key = uniqueId('key');
    const body = approvalChange(await flow(), 'requester@example.com');

    const first = await start(body, key);
    const again = await start(body, key);

    expect(first).toMatchObject({
      status: 201,
      body: {
        created: true,
        admission: {
          phase: 'awaiting-approval',
          pendingDecisions: [
            {
              kind: 'approval',
              level: 0,
              mayDecide: expect.arrayContaining([expect.objectContaining({ groups: ['approvers'] })]),
            },
          ],
          floor: { name: expect.any(String) },
        },
      },
    });
    expect(again).toMatchObject({ status: 200, body: { created: false, admission: { phase: 'awaiting-approval' } } });
    expect(again.body.admission.pendingDecisions[0].id).toBe(first.body.admission.pendingDecisions[0].id);
    await env.changes.requestRollback(first.body.changeId, {
      actor: 'requester@example.com',
      reason: 'test over',
      category: 'errors',
    });
    expect((await env.changes.result(first.body.changeId)).phase).toBe('rolled-back');
  });

  test('given a change without approval on a free flow, when started, then it answers applying; on a flow another change holds, waiting-for-lock with the holder, or rejected when it refuses to wait', async () => {
    const flowId = await flow();
    const free = await start(request({ steps: [capStep('cap', await flow(), 40)] }));
    expect(free).toMatchObject({ status: 201, body: { admission: { phase: 'applying', pendingDecisions: [] } } });

    const holder = await start(
      request({ steps: [failingStep('fails', flowId)], policy: { onStepFailure: 'ask', escalation } }),
    );
    await waitForQuestion(env.changes, holder.body.changeId, { kind: 'step-failure' });
    const waiting = await start(request({ steps: [capStep('cap', flowId, 41)] }));
    const refusing = await start(
      request({ steps: [capStep('cap', flowId, 42)], policy: { locks: { onBusy: 'refuse', maxWait: '1h' } } }),
    );

    expect(waiting.body.admission).toMatchObject({
      phase: 'waiting-for-lock',
      detail: expect.stringContaining(`held by change ${holder.body.changeId}`),
    });
    expect(refusing.body.admission).toMatchObject({
      phase: 'rejected',
      detail: expect.stringContaining(holder.body.changeId),
    });
    await env.changes.decide(holder.body.changeId, { decision: 'rollback', actor: 'oncall@example.com' });
    expect((await env.changes.result(waiting.body.changeId)).phase).toBe('completed');
    expect((await env.changes.result(holder.body.changeId)).phase).toBe('rolled-back');
    expect((await env.changes.result(free.body.changeId)).phase).toBe('completed');
  });

  test('given no worker on the task queue, when a client starts a change, then it returns started without an admission after its wait, and the change is there', async () => {
    const queue = uniqueId('no-worker');
    const changes = new ChangeClient(env.client, queue, { admissionWaitMs: 500 });
    const changeId = uniqueId('c');

    const started = await changes.start(request({ steps: [capStep('cap', await flow(), 43)] }), { changeId });

    expect(started).toEqual({ changeId, workflowId: `change-${changeId}`, created: true });
    expect((await changes.describe(changeId)).executionStatus).toBe('RUNNING');
    await env.client.workflow.getHandle(started.workflowId).terminate('test over: no worker serves this queue');
  });
});

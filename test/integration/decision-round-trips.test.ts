import type { Identity } from '../../src/auth/identity';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { approvalChange } from '../helpers/change-requests';
import { waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const tokens: Record<string, Identity> = {
  'requester-token-0001': { actor: 'requester@example.com', roles: ['requester', 'approver'], groups: ['approvers'] },
  'approver-token-0003': { actor: 'approver@example.com', roles: ['approver'], groups: ['approvers'] },
  'outsider-token-0004': { actor: 'outsider@example.com', roles: ['approver'], groups: ['marketing'] },
};

/** The Temporal calls a decision can make; every one is a round trip to the server. */
const calls = [
  'updateWorkflowExecution',
  'pollWorkflowExecutionUpdate',
  'queryWorkflow',
  'describeWorkflowExecution',
  'signalWorkflowExecution',
  'getWorkflowExecutionHistory',
] as const;

describe('an API decision is one round trip: the update validator refuses with a type, writing nothing', () => {
  let env: TestEnv;
  let api: RunningApi;

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
    api = await startApi(env, { tokens });
  });

  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  /** Counts the Temporal calls `action` makes. */
  async function roundTrips(action: () => Promise<unknown>): Promise<Record<string, number>> {
    const counted: Record<string, number> = {};
    const service = env.client.workflowService as unknown as Record<string, (...args: unknown[]) => unknown>;
    const spies = calls.map((name) => {
      const original = service[name]!;
      return jest.spyOn(service, name).mockImplementation((...args: unknown[]) => {
        counted[name] = (counted[name] ?? 0) + 1;
        return original.apply(service, args);
      });
    });
    try {
      await action();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return counted;
  }

  /** Updates the history holds (a refused one is not among them: its validator wrote nothing). */
  async function updatesInHistory(changeId: string): Promise<number> {
    const { events } = await env.client.workflow.getHandle(changeWorkflowId(changeId)).fetchHistory();
    return (events ?? []).filter(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes != null ||
        e.workflowExecutionUpdateRejectedEventAttributes != null,
    ).length;
  }

  test('given an open approval, when an outsider, the requester and then an approver decide over the API, then 403, 403 and 200, each in one call, and only the accepted one is in the history', async () => {
    const flowId = uniqueId('flow');
    await seedFlows(env.db, [flowId]);
    const changeId = uniqueId('round-trip');
    await env.changes.start(approvalChange(flowId, 'requester@example.com'), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });

    let outsider: Awaited<ReturnType<typeof call>> | undefined;
    const outsiderCalls = await roundTrips(
      async () =>
        (outsider = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
          token: 'outsider-token-0004',
          body: { decision: 'approve' },
        })),
    );
    let own: Awaited<ReturnType<typeof call>> | undefined;
    const ownCalls = await roundTrips(
      async () =>
        (own = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
          token: 'requester-token-0001',
          body: { decision: 'approve' },
        })),
    );

    expect(outsider).toMatchObject({ status: 403, body: { code: 'NotAllowed' } });
    expect(own).toMatchObject({
      status: 403,
      body: { code: 'NotAllowed', detail: 'requester@example.com requested this change and cannot approve it' },
    });
    expect(outsiderCalls).toEqual({ updateWorkflowExecution: 1 });
    expect(ownCalls).toEqual({ updateWorkflowExecution: 1 });
    expect(await updatesInHistory(changeId)).toBe(0);

    let approved: Awaited<ReturnType<typeof call>> | undefined;
    const approveCalls = await roundTrips(
      async () =>
        (approved = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
          token: 'approver-token-0003',
          body: { decision: 'approve' },
        })),
    );
    expect(approved).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(approveCalls).toEqual({ updateWorkflowExecution: 1 });
    expect((await env.changes.result(changeId)).phase).toBe('completed');
    expect(await updatesInHistory(changeId)).toBe(1);
  });

  test('given a finished change, when a decision arrives over the API, then it is 409 ChangeClosed', async () => {
    const flowId = uniqueId('flow');
    await seedFlows(env.db, [flowId]);
    const changeId = uniqueId('closed');
    await env.changes.start(approvalChange(flowId, 'requester@example.com'), { changeId });
    await waitForQuestion(env.changes, changeId, { kind: 'approval' });
    await env.changes.decide(changeId, { decision: 'reject', actor: 'approver@example.com', groups: ['approvers'] });
    await env.changes.result(changeId);

    const late = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: 'approver-token-0003',
      body: { decision: 'approve' },
    });
    expect(late).toMatchObject({ status: 409, body: { code: 'ChangeClosed' } });
  });
});

import type { Identity } from '../../src/auth/identity';
import { REDACTED } from '../../src/domain/redaction';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { approvalChange } from '../helpers/change-requests';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import type { FlowStore } from '../../src/store/flows';

const tokens: Record<string, Identity> = {
  'requester-token-0001': { actor: 'requester@example.com', roles: ['requester'], groups: [] },
  'lead-token-00000002': { actor: 'lead@example.com', roles: ['requester', 'approver'], groups: ['approvers'] },
  'approver-token-0003': { actor: 'approver@example.com', roles: ['approver'], groups: ['approvers'] },
};
const REQUESTER = 'requester-token-0001';
const LEAD = 'lead-token-00000002';
const APPROVER = 'approver-token-0003';

describe('HTTP API: preview a rollback and roll a finished change back later', () => {
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

  /** A flow and an approved change that raised its cap to 35, completed. */
  async function completedChange(): Promise<{ flowId: string; changeId: string; flows: FlowStore }> {
    const flowId = uniqueId('flow');
    const flows = await seedFlows(env.db, [flowId]);
    const { body } = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: approvalChange(flowId, 'requester@example.com'),
    });
    await eventually(async () =>
      (await env.changes.status(body.changeId)).pendingDecisions.length > 0 ? true : undefined,
    );
    await call(api, 'POST', `/v1/changes/${body.changeId}/decisions`, {
      token: APPROVER,
      body: { decision: 'approve' },
    });
    expect((await env.changes.result(body.changeId)).phase).toBe('completed');
    return { flowId, changeId: body.changeId as string, flows };
  }

  test('given a completed change, when a requester previews it and rolls it back later, then the rollback is a change of its own that waits for an approver and then restores the flow', async () => {
    const { flowId, changeId, flows } = await completedChange();
    const capBefore = ((await flows.history(flowId))[0]!.config as { pricing: { cap: number } }).pricing;

    const hidden = await call(api, 'GET', `/v1/changes/${changeId}/rollback-preview`, { token: REQUESTER });
    const shown = await call(api, 'GET', `/v1/changes/${changeId}/rollback-preview`, { token: APPROVER });
    expect(hidden).toMatchObject({
      status: 200,
      body: {
        changeId,
        steps: [{ stepId: 'raise-cap', operations: [{ op: 'replace', path: '/pricing/cap', value: REDACTED }] }],
      },
    });
    expect(shown.body.steps[0]).toMatchObject({
      operations: [{ op: 'replace', path: '/pricing/cap', value: capBefore.cap }],
      counts: { restore: 1, conflicts: 0 },
    });

    const key = uniqueId('key');
    const ask = (token: string, body: object = { reason: 'cap hurt acceptance', category: 'business-impact' }) =>
      call(api, 'POST', `/v1/changes/${changeId}/rollback-later`, { token, body, headers: { 'idempotency-key': key } });
    expect((await ask(APPROVER)).status).toBe(403);
    const started = await ask(REQUESTER);
    const repeated = await ask(REQUESTER);
    expect(started).toMatchObject({ status: 201, body: { rollsBack: changeId, created: true } });
    const rollbackId = started.body.changeId as string;
    expect(rollbackId).not.toBe(changeId);
    expect(started.headers.get('location')).toBe(`/v1/changes/${rollbackId}`);
    expect(repeated).toMatchObject({ status: 200, body: { changeId: rollbackId, created: false } });
    // The answer says what the rollback does first, as for starting a change: it asks for approval.
    expect(started.body.admission).toMatchObject({
      phase: 'awaiting-approval',
      pendingDecisions: [{ kind: 'approval' }],
    });
    expect(repeated.body.admission).toMatchObject({ phase: 'awaiting-approval' });

    // The change's policy required approval: so does its rollback, and its requester may not give it.
    const waiting = await eventually(async () => {
      const view = await call(api, 'GET', `/v1/changes/${rollbackId}`, { token: REQUESTER });
      return view.body.pendingDecisions?.length > 0 ? view : undefined;
    });
    expect(waiting.body).toMatchObject({ phase: 'awaiting-approval', requestedBy: 'requester@example.com' });
    expect(waiting.body.pendingDecisions[0]).toMatchObject({ kind: 'approval' });
    expect((await flows.get(flowId))!.config.pricing).toMatchObject({ cap: 35 });
    const self = await call(api, 'POST', `/v1/changes/${rollbackId}/decisions`, {
      token: REQUESTER,
      body: { decision: 'approve' },
    });
    expect(self.status).toBe(403);
    const approved = await call(api, 'POST', `/v1/changes/${rollbackId}/decisions`, {
      token: LEAD,
      body: { decision: 'approve' },
    });
    expect(approved).toMatchObject({ status: 200, body: { status: 'accepted' } });

    const report = await eventually(async () => {
      const answer = await call(api, 'GET', `/v1/changes/${rollbackId}/report`, { token: REQUESTER });
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(report).toMatchObject({ changeId: rollbackId, rollsBack: changeId, phase: 'rolled-back' });
    expect((await flows.get(flowId))!.config.pricing).toEqual(capBefore);
    const listed = await eventually(async () => {
      const page = await call(api, 'GET', `/v1/changes?requestedBy=requester%40example.com&status=rolled-back`, {
        token: REQUESTER,
      });
      return (page.body.changes as { changeId: string }[]).find((c) => c.changeId === rollbackId);
    });
    expect(listed).toMatchObject({ rollsBack: changeId, targets: ['flow-config'] });
  });

  test('given a running change, an unknown one, a bad body or another requester named by a non-admin, when rolled back later, then 409, 404, 400 or 403 and nothing starts', async () => {
    const flowId = uniqueId('flow');
    await seedFlows(env.db, [flowId]);
    const { body: running } = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: approvalChange(flowId, 'requester@example.com'),
    });
    const body = { reason: 'too early', category: 'errors' };
    const rollbacks = async () =>
      (await env.client.workflow.count(`WorkflowType = 'rollbackLaterWorkflow' AND TaskQueue = '${env.taskQueue}'`))
        .count;
    const before = await rollbacks();

    const stillRunning = await call(api, 'POST', `/v1/changes/${running.changeId}/rollback-later`, {
      token: REQUESTER,
      body,
    });
    const unknown = await call(api, 'POST', `/v1/changes/${uniqueId('nope')}/rollback-later`, {
      token: REQUESTER,
      body,
    });
    const bad = await call(api, 'POST', `/v1/changes/${running.changeId}/rollback-later`, {
      token: REQUESTER,
      body: { reason: '', category: 'whim', extra: 1 },
    });
    const onBehalf = await call(api, 'POST', `/v1/changes/${running.changeId}/rollback-later`, {
      token: REQUESTER,
      body: { ...body, requestedBy: 'someone@example.com' },
    });
    const unknownPreview = await call(api, 'GET', `/v1/changes/${uniqueId('nope')}/rollback-preview`, {
      token: REQUESTER,
    });

    expect(stillRunning).toMatchObject({
      status: 409,
      body: { detail: expect.stringContaining('request a rollback of the running change instead') },
    });
    expect(unknown.status).toBe(404);
    expect(unknownPreview.status).toBe(404);
    expect(bad.status).toBe(400);
    expect((bad.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['', 'category', 'reason']);
    expect(onBehalf.status).toBe(403);
    expect(await rollbacks()).toBe(before);
    await call(api, 'POST', `/v1/changes/${running.changeId}/rollback`, { token: REQUESTER, body });
    await env.changes.result(running.changeId);
  });
});

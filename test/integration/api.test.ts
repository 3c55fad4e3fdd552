import { spawn } from 'node:child_process';
import path from 'node:path';
import { changeIdFor } from '../../src/api/idempotency';
import { freePort } from '../../tools/devenv/ports';
import { cliEnv } from '../helpers/cli';
import type { Identity } from '../../src/auth/identity';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { approvalChange, simpleChange } from '../helpers/change-requests';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { unresolvedRefs, validateOpenApi } from '../helpers/openapi-validate';

const tokens: Record<string, Identity> = {
  'requester-token-0001': { actor: 'requester@example.com', roles: ['requester', 'approver'], groups: ['approvers'] },
  'requester-only-0002': { actor: 'viewer@example.com', roles: ['requester'], groups: [] },
  'approver-token-0003': { actor: 'approver@example.com', roles: ['approver'], groups: ['approvers'] },
  'outsider-token-0004': { actor: 'outsider@example.com', roles: ['approver'], groups: ['marketing'] },
  'admin-token-00000005': { actor: 'admin@example.com', roles: ['admin'], groups: ['admin'] },
};
const REQUESTER = 'requester-token-0001';
const REQUESTER_ONLY = 'requester-only-0002';
const APPROVER = 'approver-token-0003';
const OUTSIDER = 'outsider-token-0004';
const ADMIN = 'admin-token-00000005';

describe('HTTP API over real HTTP, Temporal and the database', () => {
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

  async function flow(): Promise<string> {
    const id = uniqueId('flow');
    await seedFlows(env.db, [id]);
    return id;
  }

  /** How many workflow runs visibility knows under this workflow id (waits for at least one). */
  async function runsOf(changeId: string): Promise<number> {
    return eventually(async () => {
      const { count } = await env.client.workflow.count(`WorkflowId = '${changeWorkflowId(changeId)}'`);
      return count > 0 ? count : undefined;
    });
  }

  test('given one Idempotency-Key sent twice, when starting, then the second answer is 200 with the same change and one workflow exists', async () => {
    const key = uniqueId('key');
    const request = simpleChange(await flow(), 'requester@example.com');
    const started = performance.now();
    const first = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: request,
      headers: { 'idempotency-key': key },
    });
    const firstMs = performance.now() - started;
    const second = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: request,
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/v1/changes/${first.body.changeId}`);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ changeId: first.body.changeId, created: false });
    const reused = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: { ...request, title: 'another change' },
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('IdempotencyKeyReused');
    await env.changes.result(first.body.changeId);
    expect(await runsOf(first.body.changeId)).toBe(1);
    console.log(`POST /v1/changes (validate + start workflow) took ${firstMs.toFixed(0)} ms`);
  });

  test('given a request with several bad fields, when starting, then 400 names every field with its path and nothing is started', async () => {
    const key = uniqueId('bad');
    const bad = {
      title: '',
      requestedBy: 'requester@example.com',
      steps: [
        {
          id: 'Bad Id',
          target: 'flow-config',
          spec: { flowId: 'x', patch: [{ op: 'replace', path: 'no-slash', value: 1 }] },
        },
      ],
      policy: { onStepFailure: 'ask' },
    };

    const response = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: bad,
      headers: { 'idempotency-key': key },
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const paths = (response.body.issues as { in: string; path: string }[]).map((i) => `${i.in}:${i.path}`);
    expect(paths).toEqual(expect.arrayContaining(['body:title', 'body:steps.0.id', 'body:steps.0.spec.patch.0.path']));
    const derived = changeIdFor('requester@example.com', key);
    expect((await call(api, 'GET', `/v1/changes/${derived}`, { token: REQUESTER })).status).toBe(404);
  });

  test('given a cross-field rule broken (ask without escalation), when starting, then 400 names policy.escalation', async () => {
    const request = { ...simpleChange(await flow(), 'requester@example.com'), policy: { onStepFailure: 'ask' } };
    const response = await call(api, 'POST', '/v1/changes', { token: REQUESTER, body: request });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'body', path: 'policy.escalation' })]),
    );
  });

  test('given missing, unknown or under-privileged tokens, when calling, then 401 or 403 and nothing is started', async () => {
    const request = simpleChange(await flow(), 'requester@example.com');
    const key = uniqueId('auth');

    const none = await call(api, 'POST', '/v1/changes', { body: request, headers: { 'idempotency-key': key } });
    const unknown = await call(api, 'POST', '/v1/changes', {
      token: 'not-a-known-token-at-all',
      body: request,
      headers: { 'idempotency-key': key },
    });
    const approverStarts = await call(api, 'POST', '/v1/changes', {
      token: APPROVER,
      body: request,
      headers: { 'idempotency-key': key },
    });
    const onBehalf = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER_ONLY,
      body: request,
      headers: { 'idempotency-key': key },
    });

    expect([none.status, unknown.status, approverStarts.status, onBehalf.status]).toEqual([401, 401, 403, 403]);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(onBehalf.body.detail).toMatch(/requestedBy must be viewer@example.com/);
    for (const actor of ['requester@example.com', 'approver@example.com', 'viewer@example.com']) {
      expect((await call(api, 'GET', `/v1/changes/${changeIdFor(actor, key)}`, { token: ADMIN })).status).toBe(404);
    }
  });

  test('given a change awaiting approval, when the requester, an outsider and a wrong answer come first, then 403/403/409 change nothing and the approver’s 200 lets it complete', async () => {
    const response = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: approvalChange(await flow(), 'requester@example.com'),
    });
    const { changeId } = response.body;
    const asked = await eventually(async () => {
      const view = await call(api, 'GET', `/v1/changes/${changeId}`, { token: REQUESTER_ONLY });
      return view.body.pendingDecisions?.length > 0 ? view.body : undefined;
    });
    expect(asked).toMatchObject({
      phase: 'awaiting-approval',
      requestedBy: 'requester@example.com',
      executionStatus: 'RUNNING',
    });
    expect(asked.pendingDecisions[0]).toMatchObject({ kind: 'approval', options: ['approve', 'reject'], level: 0 });
    expect(asked.pendingDecisions[0].deadline).toEqual(expect.any(String));

    const own = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: REQUESTER,
      body: { decision: 'approve' },
    });
    const outsider = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: OUTSIDER,
      body: { decision: 'approve' },
    });
    const wrong = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: APPROVER,
      body: { decision: 'retry' },
    });
    const noRole = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: REQUESTER_ONLY,
      body: { decision: 'approve' },
    });

    expect(own).toMatchObject({ status: 403, body: { code: 'NotAllowed' } });
    expect(own.body.detail).toMatch(/cannot approve/);
    expect(outsider.status).toBe(403);
    expect(outsider.body.detail).toMatch(/may not decide/);
    expect(wrong.status).toBe(409);
    expect(noRole.status).toBe(403);
    const unchanged = await call(api, 'GET', `/v1/changes/${changeId}`, { token: REQUESTER });
    expect(unchanged.body.decisions).toEqual([]);
    expect(unchanged.body.timeline).toEqual(asked.timeline);

    const approved = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: APPROVER,
      body: { decision: 'approve', comment: 'looks right' },
    });
    expect(approved).toMatchObject({ status: 200, body: { status: 'accepted' } });
    await env.changes.result(changeId);
    const late = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: APPROVER,
      body: { decision: 'approve' },
    });
    expect(late.status).toBe(409);

    const report = await call(api, 'GET', `/v1/changes/${changeId}/report`, { token: REQUESTER_ONLY });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      changeId,
      phase: 'completed',
      decisions: [
        expect.objectContaining({ actor: 'approver@example.com', decision: 'approve', comment: 'looks right' }),
      ],
    });
    const text = await call(api, 'GET', `/v1/changes/${changeId}/report?format=text`, { token: REQUESTER_ONLY });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.body).toContain(`Change ${changeId}`);
  });

  test('given a change awaiting approval, when the requester asks for a rollback, then it is accepted, the change rolls back and a second request is 409', async () => {
    const { body } = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: approvalChange(await flow(), 'requester@example.com'),
    });
    await eventually(async () =>
      (await env.changes.status(body.changeId)).pendingDecisions.length > 0 ? true : undefined,
    );
    const report409 = await call(api, 'GET', `/v1/changes/${body.changeId}/report`, { token: REQUESTER });
    expect(report409).toMatchObject({ status: 409, body: { code: 'ReportNotAvailable' } });
    const outsider = await call(api, 'POST', `/v1/changes/${body.changeId}/rollback`, {
      token: OUTSIDER,
      body: { reason: 'not mine', category: 'errors' },
    });
    expect(outsider.status).toBe(403);

    const rollback = await call(api, 'POST', `/v1/changes/${body.changeId}/rollback`, {
      token: REQUESTER,
      body: { reason: 'wrong flow', category: 'business-impact' },
    });

    expect(rollback).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const report = await env.changes.result(body.changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.rollbackRequest).toMatchObject({ actor: 'requester@example.com', category: 'business-impact' });
    const again = await call(api, 'POST', `/v1/changes/${body.changeId}/rollback`, {
      token: REQUESTER,
      body: { reason: 'again', category: 'errors' },
    });
    expect(again.status).toBe(409);
  });

  test('given an unknown change, when reading or deciding, then 404; given a bad id or body, then 400 naming the field', async () => {
    const missing = uniqueId('nope');
    expect((await call(api, 'GET', `/v1/changes/${missing}`, { token: ADMIN })).status).toBe(404);
    expect((await call(api, 'GET', `/v1/changes/${missing}/report`, { token: ADMIN })).status).toBe(404);
    expect(
      (await call(api, 'POST', `/v1/changes/${missing}/decisions`, { token: ADMIN, body: { decision: 'approve' } }))
        .status,
    ).toBe(404);
    expect(
      (
        await call(api, 'POST', `/v1/changes/${missing}/rollback`, {
          token: ADMIN,
          body: { reason: 'x', category: 'errors' },
        })
      ).status,
    ).toBe(404);

    const badId = await call(api, 'GET', '/v1/changes/Not_An_Id', { token: ADMIN });
    expect(badId.body.issues).toEqual([expect.objectContaining({ in: 'path', path: 'changeId' })]);
    const badBody = await call(api, 'POST', `/v1/changes/${missing}/decisions`, {
      token: ADMIN,
      body: { decision: 'maybe', actor: 'spoofed@example.com' },
    });
    expect(badBody.status).toBe(400);
    expect((badBody.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['', 'decision']);
  });

  test('given changes by two requesters, when listing by requester and status, then only the matching ones come back, pages follow their token, and an injected quote is 400', async () => {
    const mine = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: approvalChange(await flow(), 'requester@example.com'),
    });
    const admins = await call(api, 'POST', '/v1/changes', {
      token: ADMIN,
      body: approvalChange(await flow(), 'admin@example.com'),
    });

    const listed = await eventually(async () => {
      const page = await call(
        api,
        'GET',
        '/v1/changes?status=awaiting-approval&requestedBy=requester@example.com&pageSize=100',
        { token: REQUESTER },
      );
      const ids = (page.body.changes as { changeId: string }[]).map((c) => c.changeId);
      return ids.includes(mine.body.changeId) ? page.body : undefined;
    });
    expect(
      listed.changes.every(
        (c: { requestedBy: string; phase: string }) =>
          c.requestedBy === 'requester@example.com' && c.phase === 'awaiting-approval',
      ),
    ).toBe(true);
    expect(listed.changes.map((c: { changeId: string }) => c.changeId)).not.toContain(admins.body.changeId);

    const firstPage = await call(api, 'GET', '/v1/changes?pageSize=1', { token: REQUESTER });
    expect(firstPage.body.changes).toHaveLength(1);
    expect(firstPage.body.nextPageToken).toEqual(expect.any(String));
    const secondPage = await call(
      api,
      'GET',
      `/v1/changes?pageSize=1&nextPageToken=${encodeURIComponent(firstPage.body.nextPageToken)}`,
      { token: REQUESTER },
    );
    expect(secondPage.body.changes).toHaveLength(1);
    expect(secondPage.body.changes[0].changeId).not.toBe(firstPage.body.changes[0].changeId);

    const injected = await call(api, 'GET', `/v1/changes?requestedBy=${encodeURIComponent("x' OR '1'='1")}`, {
      token: REQUESTER,
    });
    expect(injected.status).toBe(400);
    expect(injected.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', path: 'requestedBy', message: expect.stringMatching(/quotes/) }),
      ]),
    );
    expect((injected.body.issues as { path: string }[]).every((i) => i.path === 'requestedBy')).toBe(true);
    const badStatus = await call(api, 'GET', '/v1/changes?status=exploded&pageSize=0', { token: REQUESTER });
    expect((badStatus.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['pageSize', 'status']);

    for (const id of [mine.body.changeId, admins.body.changeId])
      await env.changes
        .requestRollback(id, {
          actor: 'admin@example.com',
          groups: ['admin'],
          reason: 'test cleanup',
          category: 'errors',
        })
        .catch(() => undefined);
  });

  test('given the running server, when probed, then /healthz and /readyz report Temporal and MongoDB, and /openapi.json is a valid OpenAPI 3.1 document', async () => {
    const health = await call(api, 'GET', '/healthz');
    const ready = await call(api, 'GET', '/readyz');
    const document = await call(api, 'GET', '/openapi.json');

    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { temporal: { ok: true }, mongodb: { ok: true } } },
    });
    console.log(`readiness: temporal ${ready.body.checks.temporal.ms} ms, mongodb ${ready.body.checks.mongodb.ms} ms`);
    expect(document.status).toBe(200);
    const validation = validateOpenApi(document.body);
    expect(validation.output).toContain('"valid": true');
    expect(validation.valid).toBe(true);
    expect(unresolvedRefs(document.body)).toEqual([]);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/changes',
        '/v1/changes/{changeId}',
        '/v1/changes/{changeId}/report',
        '/v1/changes/{changeId}/decisions',
        '/v1/changes/{changeId}/rollback',
        '/healthz',
        '/readyz',
      ]),
    );
  });

  test('given requests with and without X-Request-Id, when served, then every log line is JSON with the request id, the id is echoed, and no token is logged', async () => {
    const own = await call(api, 'GET', '/v1/changes?pageSize=1', {
      token: ADMIN,
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    const generated = await call(api, 'GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });

    expect(own.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = api.logs.filter((l) => l.requestId === 'trace-abc-123');
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'authenticated', 'request completed']),
    );
    expect(api.rawLogs.length).toBeGreaterThan(10);
    for (const token of Object.keys(tokens)) expect(api.rawLogs.join('\n')).not.toContain(token);
  });

  test('given the entry point started as a process from environment variables, when probed, then it turns ready, serves a token’s request and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...cliEnv(env),
        API_PORT: String(port),
        LOG_LEVEL: 'warn',
        API_TOKENS: JSON.stringify([{ token: 'process-token-000001', actor: 'ops@example.com', roles: ['requester'] }]),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const started = performance.now();
    try {
      const server = { url: `http://127.0.0.1:${port}` };
      const ready = await eventually(async () => {
        const response = await call(server, 'GET', '/readyz').catch(() => undefined);
        return response?.status === 200 ? response : undefined;
      });
      console.log(`API process ready in ${(performance.now() - started).toFixed(0)} ms`);
      expect(ready.body.status).toBe('ready');
      expect((await call(server, 'GET', '/v1/changes?pageSize=1', { token: 'process-token-000001' })).status).toBe(200);
      expect((await call(server, 'GET', '/v1/changes')).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).not.toContain('process-token-000001');
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import type { FlowStore } from '../../src/store/flows';
import type { Identity } from '../../src/auth/identity';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { capStep, request } from '../helpers/changes';
import { cliEnv, runCli } from '../helpers/cli';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const tokens: Record<string, Identity> = {
  'requester-token-0001': { actor: 'ops@example.com', roles: ['requester'], groups: [] },
  'admin-token-00000002': { actor: 'admin@example.com', roles: ['admin'], groups: ['admin'] },
};
const REQUESTER = 'requester-token-0001';

describe('restore and rehearsal through the HTTP API and the CLI', () => {
  let env: TestEnv;
  let api: RunningApi;
  let sandboxDb: Db;
  let dir: string;

  beforeAll(async () => {
    env = await openTestEnv();
    sandboxDb = env.db.client.db(`${env.db.databaseName}_rehearsal`);
    await env.startWorker(undefined, { rehearsal: { db: sandboxDb } });
    api = await startApi(env, { tokens });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-rehearse-'));
  });

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await api?.close();
    await sandboxDb?.dropDatabase();
    await env?.close();
  });

  async function changedFlow(): Promise<{ flowId: string; flows: FlowStore }> {
    const flowId = uniqueId('solar');
    const flows = await seedFlows(env.db, [flowId]);
    const changeId = uniqueId('cap');
    await env.changes.start(request({ steps: [capStep('cap', flowId, 35)] }), { changeId });
    await env.changes.result(changeId);
    return { flowId, flows };
  }

  test('given the API, when a flow restore is posted twice with one key, then one change restores version 1, and bad input names the field', async () => {
    const { flowId, flows } = await changedFlow();
    const key = uniqueId('key');
    const first = await call(api, 'POST', `/v1/flows/${flowId}/restore`, {
      token: REQUESTER,
      body: { restoreTo: { version: 1 }, expectedVersion: 2 },
      headers: { 'idempotency-key': key },
    });
    const again = await call(api, 'POST', `/v1/flows/${flowId}/restore`, {
      token: REQUESTER,
      body: { restoreTo: { version: 1 }, expectedVersion: 2 },
      headers: { 'idempotency-key': key },
    });
    const bad = await call(api, 'POST', `/v1/flows/${flowId}/restore`, {
      token: REQUESTER,
      body: { restoreTo: { version: 0 } },
    });
    const both = await call(api, 'POST', `/v1/flows/${flowId}/restore`, {
      token: REQUESTER,
      body: { restoreTo: { version: 1, at: '2025-01-01T00:00:00Z' } },
    });
    const onBehalf = await call(api, 'POST', `/v1/flows/${flowId}/restore`, {
      token: REQUESTER,
      body: { restoreTo: { version: 1 }, requestedBy: 'someone@example.com' },
    });

    expect(first).toMatchObject({
      status: 201,
      body: { created: true, links: { self: `/v1/changes/${first.body.changeId}` } },
    });
    expect(again).toMatchObject({ status: 200, body: { changeId: first.body.changeId, created: false } });
    expect(bad).toMatchObject({ status: 400, body: { issues: [{ in: 'body', path: 'restoreTo.version' }] } });
    expect(both).toMatchObject({
      status: 400,
      body: { issues: [{ in: 'body', path: 'restoreTo', message: expect.stringContaining('exactly one of version') }] },
    });
    expect(onBehalf.status).toBe(403);
    const report = await env.changes.result(first.body.changeId);
    expect(report).toMatchObject({
      phase: 'completed',
      requestedBy: 'ops@example.com',
      title: `Restore flow ${flowId} to version 1`,
    });
    expect(await flows.get(flowId)).toMatchObject({
      version: 3,
      config: sampleFlowConfig(flowId),
      writtenBy: { restoresVersion: 1 },
    });
  });

  test('given the API, when a rehearsal is posted and polled, then the report says exact with production untouched, and an unknown change is 404', async () => {
    const { flowId, flows } = await changedFlow();
    const before = await flows.get(flowId);
    const started = await call(api, 'POST', '/v1/rehearsals', {
      token: REQUESTER,
      body: { request: request({ requestedBy: 'ops@example.com', steps: [capStep('cap', flowId, 50)] }) },
    });
    const neither = await call(api, 'POST', '/v1/rehearsals', { token: REQUESTER, body: {} });
    const unknown = await call(api, 'POST', '/v1/rehearsals', {
      token: REQUESTER,
      body: { changeId: uniqueId('nobody') },
    });

    expect(started).toMatchObject({ status: 201, body: { rehearsalId: expect.stringMatching(/^r-/), created: true } });
    expect(neither).toMatchObject({
      status: 400,
      body: { issues: [{ in: 'body', message: 'give exactly one of changeId or request' }] },
    });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'ChangeNotFound' } });
    const report = await eventually(async () => {
      const polled = await call(api, 'GET', started.body.links.self, { token: REQUESTER });
      return polled.status === 200 ? polled.body : undefined;
    });
    expect(report).toMatchObject({
      exact: true,
      productionUntouched: true,
      steps: [{ stepId: 'cap', outcome: 'exact', production: 'untouched' }],
    });
    expect(await flows.get(flowId)).toEqual(before);
    expect((await call(api, 'GET', `/v1/rehearsals/${uniqueId('r')}`, { token: REQUESTER })).status).toBe(404);
  });

  test('given the CLI, when a flow is restored by time and a change file rehearsed, then both work and a rehearsal of an unknown change exits 3', async () => {
    const { flowId, flows } = await changedFlow();
    const [v1] = await flows.history(flowId);
    const cli = cliEnv(env);
    const file = path.join(dir, 'change.json');
    fs.writeFileSync(file, JSON.stringify(request({ steps: [capStep('cap', flowId, 60)] })));

    const restored = await runCli(
      ['restore', flowId, '--at', v1!.writtenAt.toISOString(), '--requested-by', 'ops@example.com', '--json'],
      cli,
    );
    const changeId = JSON.parse(restored.stdout).changeId as string;
    await env.changes.result(changeId);
    const rehearsed = await runCli(['rehearse', file], cli);
    const unknown = await runCli(['rehearse', '--change', uniqueId('nobody')], cli);
    const neither = await runCli(['restore', flowId, '--requested-by', 'ops@example.com'], cli);

    expect(restored.code).toBe(0);
    expect(await flows.get(flowId)).toMatchObject({ version: 3, config: sampleFlowConfig(flowId) });
    expect(rehearsed).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('the rollback restores exactly (1/1 step(s) rehearsed'),
    });
    expect(rehearsed.stdout).toMatch(/cap\s+flow-config\s+exact\s+production untouched/);
    expect(unknown.code).toBe(3);
    expect(neither).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('restoreTo: give exactly one of version'),
    });
    expect((await flows.get(flowId))!.version).toBe(3);
    console.log(
      `CLI restore ${restored.ms.toFixed(0)} ms, rehearse ${rehearsed.ms.toFixed(0)} ms (process start-up and the rehearsal included)`,
    );
  });
});

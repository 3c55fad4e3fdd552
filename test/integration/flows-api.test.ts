import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Identity } from '../../src/auth/identity';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { cliEnv, runCli } from '../helpers/cli';
import { sampleFlowConfig } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const tokens: Record<string, Identity> = {
  'requester-token-0001': { actor: 'requester@example.com', roles: ['requester'], groups: [] },
  'viewer-token-000002': { actor: 'viewer@example.com', roles: ['approver'], groups: [] },
};
const REQUESTER = 'requester-token-0001';
const VIEWER = 'viewer-token-000002';

describe('flows as objects: create or import, read, versions with lineage, diff (HTTP API and CLI)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let dir: string;

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
    api = await startApi(env, { tokens });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-flows-'));
  });

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await api?.close();
    await env?.close();
  });

  const settled = async (changeId: string) => {
    const report = await eventually(async () => {
      const answer = await call(api, 'GET', `/v1/changes/${changeId}/report`, { token: REQUESTER });
      return answer.status === 200 ? answer.body : undefined;
    });
    return report as { phase: string };
  };

  test('given a flow created over HTTP, a change to it and a restore of it, when its versions and diffs are read, then the lineage names who wrote each version and what undid it', async () => {
    const flowId = uniqueId('flow');
    const config = sampleFlowConfig(flowId);

    const created = await call(api, 'POST', '/v1/flows', { token: REQUESTER, body: { flowId, config } });
    const again = await call(api, 'POST', '/v1/flows', {
      token: REQUESTER,
      body: { flowId, config: { ...config, enabled: false } },
    });
    const read = await call(api, 'GET', `/v1/flows/${flowId}`, { token: VIEWER });

    expect(created).toMatchObject({
      status: 201,
      body: { flowId, version: 1, config, writtenBy: { action: 'create', actor: 'requester@example.com' } },
    });
    expect(created.headers.get('location')).toBe(`/v1/flows/${flowId}`);
    expect(again).toMatchObject({ status: 409, body: { code: 'FlowExists' } });
    expect(read).toMatchObject({ status: 200, body: { version: 1, config } });

    const change = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: {
        title: 'Raise the cap',
        requestedBy: 'requester@example.com',
        steps: [
          {
            id: 'cap',
            target: 'flow-config',
            spec: { flowId, patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] },
          },
        ],
      },
    });
    expect(await settled(change.body.changeId)).toMatchObject({ phase: 'completed' });
    const restore = await call(api, 'POST', `/v1/flows/${flowId}/restore`, {
      token: REQUESTER,
      body: { restoreTo: { version: 1 } },
    });
    expect(await settled(restore.body.changeId)).toMatchObject({ phase: 'completed' });

    const versions = await call(api, 'GET', `/v1/flows/${flowId}/versions`, { token: VIEWER });
    expect(versions.body).toMatchObject({
      flowId,
      current: 3,
      versions: [
        { version: 1, writtenBy: { action: 'create', actor: 'requester@example.com' } },
        {
          version: 2,
          writtenBy: { action: 'apply', changeId: change.body.changeId, stepId: 'cap' },
          undoneBy: { version: 3, changeId: restore.body.changeId },
        },
        {
          version: 3,
          writtenBy: {
            action: 'apply',
            changeId: restore.body.changeId,
            restoresVersion: 1,
            undoesChanges: [change.body.changeId],
          },
        },
      ],
    });
    expect(versions.body.versions[0].undoneBy).toBeUndefined();

    const raised = await call(api, 'GET', `/v1/flows/${flowId}/diff?from=1&to=2`, { token: VIEWER });
    const latest = await call(api, 'GET', `/v1/flows/${flowId}/diff`, { token: VIEWER });
    expect(raised.body).toEqual({
      flowId,
      from: 1,
      to: 2,
      operations: [{ op: 'replace', path: '/pricing/cap', value: 35 }],
      lines: ['replace /pricing/cap: 20 → 35'],
    });
    expect(latest.body).toMatchObject({ from: 2, to: 3, lines: ['replace /pricing/cap: 35 → 20'] });

    const beyond = await call(api, 'GET', `/v1/flows/${flowId}/diff?to=9`, { token: VIEWER });
    expect(beyond).toMatchObject({ status: 400, body: { issues: [{ in: 'query', path: 'to' }] } });
    expect((await call(api, 'GET', `/v1/flows/${uniqueId('nope')}/versions`, { token: VIEWER })).status).toBe(404);
  });

  test('given bad flow documents, when created, then 400 names every bad field and nothing is written', async () => {
    const flowId = uniqueId('flow');
    const bad = {
      name: '',
      enabled: 'yes',
      steps: [
        { type: 'teleport' },
        { type: 'mapping', fields: { 'a.b': 'phone' } },
        { type: 'delivery', recipient: 'crm', timeoutMs: -1 },
      ],
      pricing: { cap: 10, currency: 'usd' },
      extra: true,
    };

    const answer = await call(api, 'POST', '/v1/flows', {
      token: REQUESTER,
      body: { flowId, config: bad },
    });

    expect(answer.status).toBe(400);
    const paths = (answer.body.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'config.name',
        'config.enabled',
        'config.steps.0.type',
        'config.steps.2.timeoutMs',
        'config.pricing.currency',
      ]),
    );
    expect(paths).toContain('config.steps.1.fields.a.b');
    const prototype = await call(api, 'POST', '/v1/flows', {
      token: REQUESTER,
      body: {
        flowId,
        config: { ...sampleFlowConfig(flowId), steps: [{ type: 'mapping', fields: { ['__proto__']: 'email' } }] },
      },
    });
    expect(prototype).toMatchObject({ status: 400, body: { issues: [{ path: 'config.steps.0.fields.__proto__' }] } });
    expect((await call(api, 'GET', `/v1/flows/${flowId}`, { token: VIEWER })).status).toBe(404);
    expect(
      (await call(api, 'POST', '/v1/flows', { token: VIEWER, body: { flowId, config: sampleFlowConfig(flowId) } }))
        .status,
    ).toBe(403);
  });

  test('given the CLI, when a flow is created from YAML, read, listed and diffed, then it prints what the API returns and exits 0, 2, 3 or 4 as documented', async () => {
    const flowId = uniqueId('flow');
    const file = path.join(dir, `${flowId}.yaml`);
    fs.writeFileSync(file, stringify(sampleFlowConfig(flowId)));
    const cli = (...args: string[]) => runCli(args, cliEnv(env));

    const created = await cli('flow', 'create', flowId, file, '--actor', 'ops@example.com');
    const exists = await cli('flow', 'create', flowId, file, '--actor', 'ops@example.com');
    const badFile = path.join(dir, 'bad.json');
    fs.writeFileSync(badFile, JSON.stringify({ name: flowId, enabled: true, steps: [{ type: 'nope' }] }));
    const invalid = await cli('flow', 'create', uniqueId('flow'), badFile, '--actor', 'ops@example.com');
    const got = await cli('flow', 'get', flowId, '--json');
    const versions = await cli('flow', 'versions', flowId);
    const diff = await cli('flow', 'diff', flowId, '--from', '1', '--to', '1');
    const unknown = await cli('flow', 'versions', uniqueId('nope'));

    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining(`Created flow ${flowId} at version 1`) });
    expect(exists).toMatchObject({ code: 4, stderr: expect.stringContaining('exists already') });
    expect(invalid).toMatchObject({ code: 2, stderr: expect.stringContaining('steps') });
    expect(JSON.parse(got.stdout)).toMatchObject({ flowId, version: 1, config: sampleFlowConfig(flowId) });
    expect(versions.stdout).toContain(`Flow ${flowId}: 1 version(s), current 1`);
    expect(versions.stdout).toMatch(/v1 .* create by ops@example\.com/);
    expect(diff).toMatchObject({ code: 0, stdout: expect.stringContaining('version 1 → 1, 0 operation(s)') });
    expect(unknown.code).toBe(3);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_BOUND_MS } from '../helpers/bounds';
import { runCli } from '../helpers/cli';
import { sampleFlowConfig } from '../helpers/flows';
import { eventually, uniqueId } from '../helpers/harness';

const root = path.resolve(__dirname, '..', '..');

/** `npm run stack` as a user runs it: its own Temporal, database, codec server, worker and API, state in `dir`. */
class Platform {
  private child?: ChildProcess;
  output = '';

  constructor(private readonly dir: string) {}

  async start(): Promise<Record<string, string>> {
    this.output = '';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'tools/stack/main.ts'), '--dir', this.dir],
      {
        cwd: root,
        // Only what a user's shell has: no MONGODB_URI or TEMPORAL_ADDRESS, the project's provisioned tools.
        env: { PATH: process.env.PATH, HOME: process.env.HOME, LEAD_ROLLBACK_TOOLS_DIR: path.join(root, '.tools') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      // A hang bound, not a speed assertion: the first start may build nothing, but bundles the workflows.
      const timer = setTimeout(() => reject(new Error(`the platform did not start:\n${this.output}`)), EVENT_BOUND_MS);
      const check = setInterval(() => {
        if (this.output.includes('stack ready')) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
      child.once('exit', (code) => {
        clearInterval(check);
        clearTimeout(timer);
        reject(new Error(`the platform exited with ${code}:\n${this.output}`));
      });
    });
    const env: Record<string, string> = {};
    for (const line of fs.readFileSync(path.join(this.dir, 'env'), 'utf8').split('\n')) {
      const match = /^export (\w+)='(.*)'$/.exec(line);
      if (match) env[match[1]!] = match[2]!;
    }
    return env;
  }

  /** Ctrl-C, and its exit code once everything it started has stopped. */
  async stop(): Promise<number | null> {
    const child = this.child!;
    if (child.exitCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    return exited;
  }
}

describe('the local platform: from nothing to a flow, a change, its preview and its rollback later, over a restart', () => {
  let dir: string;
  let platform: Platform;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-stack-'));
    platform = new Platform(dir);
  });

  afterAll(async () => {
    await platform.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('given only the printed environment, when a new user walks the docs, then every step works and a restart keeps the changes, flows and reports', async () => {
    const times: Record<string, number> = {};
    const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await fn();
      times[label] = Math.round(performance.now() - started);
      return result;
    };

    const env = await timed('start (first)', () => platform.start());
    expect(env).toMatchObject({
      TEMPORAL_ADDRESS: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      MONGODB_URI: expect.stringMatching(/^mongodb:\/\/127\.0\.0\.1:\d+/),
      LEAD_ROLLBACK_API_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      LEAD_ROLLBACK_API_TOKEN: expect.any(String),
    });
    const http = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(`${env.LEAD_ROLLBACK_API_URL}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${env.LEAD_ROLLBACK_API_TOKEN}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const settled = (changeId: string) =>
      eventually(async () => {
        const answer = await http('GET', `/v1/changes/${changeId}/report`);
        return answer.status === 200 ? answer.body : undefined;
      });
    const cliEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };

    const flowId = uniqueId('solar');
    const created = await timed('create flow', () =>
      http('POST', '/v1/flows', { flowId, config: sampleFlowConfig(flowId) }),
    );
    expect(created.status).toBe(201);
    const started = await timed('start change', () =>
      http('POST', '/v1/changes', {
        title: 'Raise the solar cap',
        requestedBy: 'you@example.com',
        steps: [
          {
            id: 'cap',
            target: 'flow-config',
            spec: { flowId, patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] },
          },
        ],
      }),
    );
    expect(started).toMatchObject({ status: 201, body: { admission: { phase: 'applying' } } });
    const changeId = started.body.changeId as string;
    expect(await timed('watch until completed', () => settled(changeId))).toMatchObject({ phase: 'completed' });
    const preview = await timed('preview rollback', () => http('GET', `/v1/changes/${changeId}/rollback-preview`));
    expect((preview.body.steps as unknown[])[0]).toMatchObject({
      operations: [{ op: 'replace', path: '/pricing/cap', value: 20 }],
    });
    const rolled = await timed('rollback-later from the CLI', () =>
      runCli(
        [
          'rollback-later',
          changeId,
          '--requested-by',
          'you@example.com',
          '--reason',
          'cap too high',
          '--category',
          'business-impact',
          '--wait',
          '--json',
        ],
        cliEnv,
      ),
    );
    expect(rolled.code).toBe(0);
    const rollbackId = (JSON.parse(rolled.stdout) as { changeId: string }).changeId;
    const versions = await timed('flow versions', () => http('GET', `/v1/flows/${flowId}/versions`));
    expect(versions.body).toMatchObject({
      current: 3,
      versions: [
        { version: 1 },
        { version: 2, undoneBy: { version: 3, changeId } },
        { version: 3, writtenBy: { action: 'restore' } },
      ],
    });

    expect(await timed('stop', () => platform.stop())).toBe(0);
    const again = await timed('start (again)', () => platform.start());
    expect(again).toEqual(env);

    expect((await http('GET', `/v1/changes/${changeId}/report`)).body).toMatchObject({ phase: 'completed' });
    expect((await http('GET', `/v1/changes/${rollbackId}/report`)).body).toMatchObject({
      phase: 'rolled-back',
      rollsBack: changeId,
    });
    expect((await http('GET', `/v1/flows/${flowId}/versions`)).body).toEqual(versions.body);
    const listed = await runCli(['list', '--json'], cliEnv);
    expect((JSON.parse(listed.stdout) as { changes: { changeId: string }[] }).changes.map((c) => c.changeId)).toEqual(
      expect.arrayContaining([changeId, rollbackId]),
    );
    expect(await platform.stop()).toBe(0);
    console.log(
      `local platform walk (ms): ${Object.entries(times)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  });
});

import { reportsCollection, storeReport } from '../../src/store/reports';
import type { Identity } from '../../src/auth/identity';
import { ChangeNotFoundError, ReportNotAvailableError } from '../../src/client/errors';
import { ValidationError } from '../../src/domain/validation';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { approvalChange } from '../helpers/change-requests';
import { capStep, failingStep, request, waitForQuestion } from '../helpers/changes';
import { cliEnv, runCli } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const tokens: Record<string, Identity> = {
  'approver-token-0001': { actor: 'sre@example.com', roles: ['approver'], groups: ['sre'] },
  'requester-token-002': { actor: 'ops@example.com', roles: ['requester'], groups: [] },
};
const APPROVER = 'approver-token-0001';
const REQUESTER = 'requester-token-002';

describe('the report as Markdown, and root-cause notes added after the fact', () => {
  let env: TestEnv;
  let api: RunningApi;
  let rolledBack: string;

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
    api = await startApi(env, { tokens });
    const flows = [uniqueId('solar'), uniqueId('auto')];
    await seedFlows(env.db, flows);
    rolledBack = uniqueId('rolled-back');
    await env.changes.start(
      request({
        title: 'Raise solar: then retarget #auto',
        steps: [capStep('raise-cap', flows[0]!, 35), failingStep('retarget', flows[1]!)],
      }),
      { changeId: rolledBack },
    );
    await env.changes.result(rolledBack);
  });

  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  test('given a rolled-back change, when notes are added, then the latest is the root cause, every note is kept, a repeat adds nothing, and storing the report again keeps them', async () => {
    const first = await api.changes.addRootCause(rolledBack, {
      note: 'Unknown yet; investigating',
      author: 'oncall@example.com',
    });
    const second = await api.changes.addRootCause(rolledBack, {
      note: 'The auto flow had no EUR pricing.\nFixed upstream.',
      author: 'sre@example.com',
    });
    const repeat = await api.changes.addRootCause(rolledBack, {
      note: 'The auto flow had no EUR pricing.\nFixed upstream.',
      author: 'sre@example.com',
    });

    expect(first.rootCauseHistory).toHaveLength(1);
    expect(second.rootCause).toMatchObject({
      author: 'sre@example.com',
      note: 'The auto flow had no EUR pricing.\nFixed upstream.',
    });
    expect(repeat.rootCauseHistory.map((n) => n.author)).toEqual(['oncall@example.com', 'sre@example.com']);
    const stored = await reportsCollection(env.db).findOne({ _id: rolledBack });
    const { _id, storedAt: _s, rootCause: _r, rootCauseHistory: _h, ...report } = stored!;
    await storeReport(env.db, report);
    const again = await api.changes.report(rolledBack);
    expect(again.phase).toBe('rolled-back');
    expect(again.rootCause).toEqual(second.rootCause);
    expect(again.rootCauseHistory).toHaveLength(2);
  });

  test('given a running change, an unknown change or an empty note, when a note is added, then it is refused and nothing is stored', async () => {
    const flow = uniqueId('home');
    await seedFlows(env.db, [flow]);
    const running = uniqueId('running');
    await env.changes.start(approvalChange(flow, 'ops@example.com', { deciders: { actors: ['sre@example.com'] } }), {
      changeId: running,
    });
    await waitForQuestion(env.changes, running);

    await expect(api.changes.addRootCause(running, { note: 'too early', author: 'sre@example.com' })).rejects.toThrow(
      ReportNotAvailableError,
    );
    await expect(
      api.changes.addRootCause(uniqueId('nobody'), { note: 'who?', author: 'sre@example.com' }),
    ).rejects.toThrow(ChangeNotFoundError);
    await expect(
      api.changes.addRootCause(rolledBack, { note: '   ', author: 'sre@example.com' }),
    ).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'note' }] });
    await expect(api.changes.addRootCause(rolledBack, { note: 'x', author: 'two words' })).rejects.toThrow(
      ValidationError,
    );
    expect(await reportsCollection(env.db).countDocuments({ _id: running })).toBe(0);
    await env.changes.requestRollback(running, { actor: 'ops@example.com', reason: 'test over', category: 'errors' });
  });

  test('given the API, when an approver posts a note and anyone reads the report as Markdown, then the note is by the caller and the Markdown has the chart and the note', async () => {
    const refused = await call(api, 'POST', `/v1/changes/${rolledBack}/root-cause`, {
      token: REQUESTER,
      body: { note: 'not mine to say' },
    });
    const spoofed = await call(api, 'POST', `/v1/changes/${rolledBack}/root-cause`, {
      token: APPROVER,
      body: { note: 'x', author: 'ceo@example.com' },
    });
    const posted = await call(api, 'POST', `/v1/changes/${rolledBack}/root-cause`, {
      token: APPROVER,
      body: { note: 'Pricing table missing EUR | fixed in 2.3' },
    });
    const markdown = await call(api, 'GET', `/v1/changes/${rolledBack}/report?format=markdown`, { token: REQUESTER });

    expect(refused.status).toBe(403);
    expect(spoofed).toMatchObject({ status: 400, body: { issues: [expect.objectContaining({ in: 'body' })] } });
    expect(posted).toMatchObject({
      status: 201,
      body: {
        changeId: rolledBack,
        rootCause: { author: 'sre@example.com', note: 'Pricing table missing EUR | fixed in 2.3' },
      },
    });
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = markdown.body as string;
    expect(text).toMatch(/```mermaid\ngantt\n {4}title Raise solar#58; then retarget #35;auto\n {4}dateFormat x\n/);
    expect(text).toMatch(
      / {4}section apply\n {4}raise-cap :done, a1, \d{13}, \d{13}\n {4}retarget :crit, a2, \d{13}, \d{13}\n {4}section compensate\n {4}raise-cap :done, c1, \d{13}, \d{13}\n {4}retarget :done, c2, \d{13}, \d{13}\n```/,
    );
    expect(text).toContain('## Recovery');
    expect(text).toContain('> Pricing table missing EUR | fixed in 2.3\n\n— sre@example.com');
    const unknown = await call(api, 'POST', `/v1/changes/${uniqueId('nobody')}/root-cause`, {
      token: APPROVER,
      body: { note: 'x' },
    });
    expect(unknown.status).toBe(404);
  });

  test('given the CLI, when a note is attached and the report is printed as Markdown, text and JSON, then each shows the note', async () => {
    const cli = cliEnv(env);
    const attached = await runCli(
      ['root-cause', rolledBack, '--note', 'Root cause from the CLI', '--author', 'cli@example.com'],
      cli,
    );
    const markdown = await runCli(['report', rolledBack, '--format', 'markdown'], cli);
    const text = await runCli(['report', rolledBack], cli);
    const json = await runCli(['report', rolledBack, '--format', 'json'], cli);

    expect(attached).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`Root cause attached to change ${rolledBack} by cli@example.com`),
    });
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('```mermaid\ngantt');
    expect(markdown.stdout).toContain('> Root cause from the CLI');
    expect(text.stdout).toMatch(/root cause \(cli@example.com, .*\): Root cause from the CLI/);
    expect(JSON.parse(json.stdout).rootCause).toMatchObject({
      author: 'cli@example.com',
      note: 'Root cause from the CLI',
    });
    const bad = await runCli(['report', rolledBack, '--format', 'pdf'], cli);
    expect(bad.code).toBe(2);
    console.log(
      `CLI root-cause ${attached.ms.toFixed(0)} ms, report --format markdown ${markdown.ms.toFixed(0)} ms (process start-up included)`,
    );
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { approvalChange, simpleChange } from '../helpers/change-requests';
import { cliEnv, runCli, type CliRun } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { spawn } from 'node:child_process';

describe('CLI (spawned as a process) against the real Temporal server and database', () => {
  let env: TestEnv;
  let dir: string;
  const timings: Record<string, number[]> = {};
  const run = async (label: string, args: string[]): Promise<CliRun> => {
    const result = await runCli(args, cliEnv(env));
    (timings[label] ??= []).push(result.ms);
    return result;
  };

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-cli-'));
  });

  afterAll(async () => {
    console.log(
      `CLI wall times (ms, start-up + Temporal round trips): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v.map((ms) => ms.toFixed(0)).join('/')}`)
        .join(', ')}`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
    await env?.close();
  });

  async function changeFile(request: object, ext: 'yaml' | 'json'): Promise<string> {
    const file = path.join(dir, `${uniqueId('change')}.${ext}`);
    fs.writeFileSync(file, ext === 'yaml' ? stringify(request) : JSON.stringify(request));
    return file;
  }

  test('given a YAML change file, when started twice with one --change-id, then one workflow runs and `status --watch` follows it until it settles', async () => {
    const flow = uniqueId('flow');
    await seedFlows(env.db, [flow]);
    const file = await changeFile(simpleChange(flow, 'ops@example.com'), 'yaml');
    const changeId = uniqueId('cli');

    const first = await run('start', ['start', file, '--change-id', changeId, '--json']);
    const second = await run('start', ['start', file, '--change-id', changeId]);
    const watched = await run('status --watch', ['status', changeId, '--watch', '--interval', '200']);

    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      changeId,
      created: true,
      links: { temporalUi: expect.stringContaining(`change-${changeId}`) },
    });
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining(`Already started: change ${changeId}`) });
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/— completed/);
    expect(watched.stdout).toMatch(/disable\s+flow-config\s+applied/);
    const { count } = await env.client.workflow.count(`WorkflowId = 'change-${changeId}'`);
    expect(count).toBe(1);
  });

  test('given a change awaiting approval, when watched live, then the view shows the question, who may decide and the countdown, and ends when an approval lets it complete', async () => {
    const flow = uniqueId('flow');
    await seedFlows(env.db, [flow]);
    const changeId = uniqueId('watch');
    await env.changes.start(approvalChange(flow, 'ops@example.com'), { changeId });

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'status', changeId, '--watch', '--interval', '200'],
      { cwd: path.resolve(__dirname, '../..'), env: cliEnv(env) },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await eventually(async () => (stdout.includes('Decision needed') ? true : undefined));

    expect(stdout).toMatch(/Decision needed \(approval, level 0/);
    expect(stdout).toMatch(/who may decide: group:approvers/);
    expect(stdout).toMatch(/deadline: \d+m \d{2}s left/);
    await env.changes.decide(changeId, { decision: 'approve', actor: 'lead@example.com', groups: ['approvers'] });
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/— completed/);
  });

  test('given an approval question, when deciding from the CLI, then exit codes tell invalid input (2), unknown change (3), refusal (4) and success (0)', async () => {
    const flow = uniqueId('flow');
    await seedFlows(env.db, [flow]);
    const changeId = uniqueId('decide');
    await env.changes.start(approvalChange(flow, 'ops@example.com'), { changeId });
    await eventually(async () => ((await env.changes.status(changeId)).pendingDecisions.length > 0 ? true : undefined));

    const badDecision = await run('decide', ['decide', changeId, 'perhaps', '--actor', 'lead@example.com']);
    const unknown = await run('decide', [
      'decide',
      uniqueId('missing'),
      'approve',
      '--actor',
      'lead@example.com',
      '--json',
    ]);
    const own = await run('decide', [
      'decide',
      changeId,
      'approve',
      '--actor',
      'ops@example.com',
      '--group',
      'approvers',
      '--json',
    ]);
    const outsider = await run('decide', ['decide', changeId, 'approve', '--actor', 'someone@example.com']);
    const statusBefore = await run('status', ['status', changeId, '--json']);
    const approved = await run('decide', [
      'decide',
      changeId,
      'approve',
      '--actor',
      'lead@example.com',
      '--group',
      'approvers',
      '--comment',
      'ok',
      '--json',
    ]);

    expect(badDecision.code).toBe(2);
    expect(badDecision.stderr).toMatch(/perhaps/);
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { name: 'ChangeNotFoundError', exitCode: 3 } });
    expect(own.code).toBe(4);
    expect(JSON.parse(own.stdout).error).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringMatching(/cannot approve/),
    });
    expect(outsider.code).toBe(4);
    expect(JSON.parse(statusBefore.stdout)).toMatchObject({ phase: 'awaiting-approval', decisions: [] });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ status: 'accepted' });
    expect((await env.changes.result(changeId)).phase).toBe('completed');
    const late = await run('rollback', [
      'rollback',
      changeId,
      '--actor',
      'ops@example.com',
      '--reason',
      'too late',
      '--category',
      'errors',
    ]);
    expect(late.code).toBe(4);
  });

  test('given bad change files, when started, then exit 2 names the problem and every bad field, and nothing is started', async () => {
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(broken, 'title: [unclosed');
    const invalid = await changeFile(
      {
        title: '',
        requestedBy: 'ops@example.com',
        steps: [{ id: 'Bad', target: 'flow-config', spec: { flowId: 'x', patch: [] } }],
      },
      'json',
    );
    const changeId = uniqueId('invalid');

    const notYaml = await run('start', ['start', broken, '--change-id', changeId]);
    const notValid = await run('start', ['start', invalid, '--change-id', changeId, '--json']);
    const missing = await run('start', ['start', path.join(dir, 'nope.json')]);

    expect(notYaml.code).toBe(2);
    expect(notYaml.stderr).toMatch(/not valid YAML/);
    expect(notValid.code).toBe(2);
    expect(JSON.parse(notValid.stdout).error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['title', 'steps.0.id', 'steps.0.spec.patch']),
    );
    expect(missing.code).toBe(2);
    expect((await run('status', ['status', changeId])).code).toBe(3);
  });

  test('given a change rolled back from the CLI, when listing by status, then it is listed and its report shows the request', async () => {
    const flow = uniqueId('flow');
    await seedFlows(env.db, [flow]);
    const changeId = uniqueId('listed');
    await env.changes.start(approvalChange(flow, 'ops@example.com'), { changeId });
    await eventually(async () => ((await env.changes.status(changeId)).pendingDecisions.length > 0 ? true : undefined));

    const rolled = await run('rollback', [
      'rollback',
      changeId,
      '--actor',
      'ops@example.com',
      '--reason',
      'wrong flow',
      '--category',
      'business-impact',
      '--json',
    ]);
    expect(rolled.code).toBe(0);
    expect(JSON.parse(rolled.stdout)).toEqual({ status: 'accepted' });
    await env.changes.result(changeId);

    const listed = await eventually(async () => {
      const result = await run('list', ['list', '--status', 'rolled-back', '--json']);
      const page = JSON.parse(result.stdout) as { changes: { changeId: string }[] };
      return page.changes.some((c) => c.changeId === changeId) ? result : undefined;
    });
    expect(listed.code).toBe(0);
    const table = await run('list', ['list', '--requested-by', 'ops@example.com']);
    expect(table.stdout).toMatch(/^CHANGE\s+PHASE/);
    expect(table.stdout).toContain(changeId);
    const report = await run('report', ['report', changeId]);
    expect(report.stdout).toMatch(/rollback requested by ops@example.com/);
    const badStatus = await run('list', ['list', '--status', 'exploded']);
    expect(badStatus.code).toBe(2);
  });
  test('given a completed change, when previewed and rolled back later from the CLI, then the preview names what comes back and the rollback is a change of its own that restores it', async () => {
    const flow = uniqueId('flow');
    const flows = await seedFlows(env.db, [flow]);
    const changeId = uniqueId('later');
    await env.changes.start(simpleChange(flow, 'ops@example.com'), { changeId });
    expect((await env.changes.result(changeId)).phase).toBe('completed');

    const shown = await run('preview', ['preview', changeId]);
    const shownJson = await run('preview', ['preview', changeId, '--json']);
    expect(shown).toMatchObject({ code: 0 });
    expect(shown.stdout).toContain(
      `Rollback preview of change ${changeId} (nothing was changed): 1 step(s), 0 with conflicts`,
    );
    expect(shown.stdout).toContain('replace /enabled → true');
    expect(JSON.parse(shownJson.stdout)).toMatchObject({
      changeId,
      steps: [{ stepId: 'disable', operations: [{ op: 'replace', path: '/enabled', value: true }] }],
    });
    expect((await env.changes.status(changeId)).phase).toBe('completed');

    const ask = (rollbackId: string, ...extra: string[]) =>
      run('rollback-later', [
        'rollback-later',
        changeId,
        '--requested-by',
        'lead@example.com',
        '--reason',
        'disabled the wrong flow',
        '--category',
        'business-impact',
        '--rollback-id',
        rollbackId,
        ...extra,
      ]);
    const rollbackId = uniqueId('rb');
    const waited = await ask(rollbackId, '--wait');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain(`Started rollback of change ${changeId} as change ${rollbackId}`);
    expect(waited.stdout).toMatch(/rolled-back/);
    expect((await flows.get(flow))!.config).toMatchObject({ enabled: true });
    const again = await ask(rollbackId, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changeId: rollbackId, created: false, rollsBack: changeId });
    const report = await run('report', ['report', rollbackId, '--format', 'json']);
    expect(JSON.parse(report.stdout)).toMatchObject({
      changeId: rollbackId,
      rollsBack: changeId,
      phase: 'rolled-back',
    });

    expect((await run('preview', ['preview', uniqueId('unknown')])).code).toBe(3);
    expect((await ask(uniqueId('rb'), '--category', 'nonsense')).code).toBe(2);
    const running = uniqueId('running');
    await env.changes.start(approvalChange(flow, 'ops@example.com'), { changeId: running });
    const refused = await run('rollback-later', [
      'rollback-later',
      running,
      '--requested-by',
      'lead@example.com',
      '--reason',
      'too early',
      '--category',
      'errors',
    ]);
    expect(refused).toMatchObject({
      code: 4,
      stderr: expect.stringContaining('request a rollback of the running change instead'),
    });
    await env.changes.requestRollback(running, { actor: 'ops@example.com', reason: 'done', category: 'errors' });
    await env.changes.result(running);
  });
});

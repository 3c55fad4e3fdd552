import { RecoveryPointStore } from '../../src/store/recovery-points';
import { reportsCollection } from '../../src/store/reports';
import { purgeRecoveryData, type PurgeResult } from '../../src/store/retention';
import { capStep, failingStep, levels, request, waitForQuestion } from '../helpers/changes';
import { cliEnv, runCli } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const DAY = 86_400_000;

describe('retention of recovery points: only finished changes lose them, and only after the retention', () => {
  let env: TestEnv;
  let points: RecoveryPointStore;
  let running: string;

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
    points = new RecoveryPointStore(env.db);
  });

  afterAll(async () => {
    if (running)
      await env.changes
        .requestRollback(running, { actor: 'ops@example.com', reason: 'test over', category: 'errors' })
        .catch(() => undefined);
    await env?.close();
  });

  async function settled(steps: Parameters<typeof request>[0]['steps']): Promise<string> {
    const changeId = uniqueId('settled');
    await env.changes.start(request({ steps }), { changeId });
    await env.changes.result(changeId);
    return changeId;
  }

  const count = async (changeId: string) => (await points.listForChange(changeId)).length;
  const journal = () => env.db.collection<{ _id: string; changeId: string; journaledAt: Date }>('lead_journal');

  test('given finished, running, unknown and recently finished changes, when purged 31 days later, then only the finished ones older than the retention lose their recovery points and lead journals', async () => {
    const flows = [uniqueId('solar'), uniqueId('auto'), uniqueId('home')];
    await seedFlows(env.db, flows);
    const completed = await settled([capStep('cap', flows[0]!, 35)]);
    const rolledBack = await settled([capStep('cap', flows[1]!, 36), failingStep('fail', flows[2]!)]);
    running = uniqueId('running');
    await env.changes.start(
      request({
        steps: [capStep('cap', flows[0]!, 50), failingStep('fail', flows[2]!)],
        policy: { onStepFailure: 'ask', escalation: { levels: levels(['on-call', ['oncall@example.com'], '1h']) } },
      }),
      { changeId: running },
    );
    await waitForQuestion(env.changes, running);
    const now = new Date(Date.now() + 31 * DAY);
    // Data written by hand for the edge cases no real run produces quickly: an unknown change, a
    // report stored in a non-terminal phase, a change finished within the retention, and a lead journal.
    const ghost = uniqueId('ghost');
    const recent = uniqueId('recent');
    const odd = uniqueId('odd');
    for (const changeId of [ghost, recent, odd]) {
      await points.capture({ changeId, stepId: 's' }, 'before-apply', {
        target: 'flow-config',
        locator: {},
        state: {},
        summary: 'by hand',
      });
    }
    const base = (await reportsCollection(env.db).findOne({ _id: completed }))!;
    await reportsCollection(env.db).insertOne({
      ...base,
      _id: recent,
      changeId: recent,
      finishedAt: new Date(now.getTime() - DAY).toISOString(),
    });
    await reportsCollection(env.db).insertOne({ ...base, _id: odd, changeId: odd, phase: 'applying' });
    await journal().insertOne({
      _id: `${completed}/cap/before-apply/lead-1`,
      changeId: completed,
      journaledAt: new Date(),
    });
    const before = {
      completed: await count(completed),
      rolledBack: await count(rolledBack),
      running: await count(running),
    };
    // The rolled-back change also has the point captured before its restore.
    expect(before).toEqual({ completed: 1, rolledBack: 3, running: 2 });

    const dry = await purgeRecoveryData(env.db, { retentionDays: 30, now, dryRun: true });
    expect(await count(completed)).toBe(1);
    const purged = await purgeRecoveryData(env.db, { retentionDays: 30, now });
    const again = await purgeRecoveryData(env.db, { retentionDays: 30, now });

    const byId = (result: PurgeResult) =>
      Object.fromEntries([
        ...result.purged.map((p) => [p.changeId, p.deleted]),
        ...result.kept.map((k) => [k.changeId, k.reason]),
      ]);
    for (const result of [dry, purged]) {
      expect(byId(result)).toEqual({
        [completed]: { recovery_points: 1, lead_journal: 1 },
        [rolledBack]: { recovery_points: 3, lead_journal: 0 },
        [running]: 'no stored report: the change is still running, or unknown',
        [ghost]: 'no stored report: the change is still running, or unknown',
        [recent]: expect.stringMatching(/^finished .*, within the retention$/),
        [odd]: 'phase applying is not terminal',
      });
    }
    expect({
      completed: await count(completed),
      rolledBack: await count(rolledBack),
      running: await count(running),
      ghost: await count(ghost),
    }).toEqual({ completed: 0, rolledBack: 0, running: 2, ghost: 1 });
    expect(await journal().countDocuments({ changeId: completed })).toBe(0);
    expect(again.purged).toEqual([]);
    expect(await reportsCollection(env.db).countDocuments({ _id: { $in: [completed, rolledBack] } })).toBe(2);
  });

  test('given the CLI, when purge-recovery-points runs as a dry run and then for real with retention 0, then the dry run deletes nothing and the real run keeps the running change', async () => {
    const flow = uniqueId('cli');
    await seedFlows(env.db, [flow]);
    const finished = await settled([capStep('cap', flow, 40)]);
    const cli = cliEnv(env);

    const dry = await runCli(['purge-recovery-points', '--dry-run', '--retention-days', '0', '--json'], cli);
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as PurgeResult;
    expect(planned).toMatchObject({ dryRun: true, retentionDays: 0 });
    expect(planned.purged.find((p) => p.changeId === finished)?.deleted).toEqual({
      recovery_points: 1,
      lead_journal: 0,
    });
    expect(await count(finished)).toBe(1);

    const real = await runCli(['purge-recovery-points', '--retention-days', '0'], cli);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`purged ${finished} (completed, finished`);
    expect(real.stdout).toContain(`kept ${running}: no stored report`);
    expect(await count(finished)).toBe(0);
    expect(await count(running)).toBe(2);

    const bad = await runCli(['purge-recovery-points', '--retention-days', '-1'], cli);
    expect(bad.code).toBe(2);
  });
});

import type { Identity } from '../../src/auth/identity';
import type { AnnotatedReport } from '../../src/client/reports';
import { decisionWaits } from '../../src/domain/insight-facts';
import type { Insights } from '../../src/domain/insights';
import { percentile } from '../../src/domain/percentiles';
import { reportsCollection } from '../../src/store/reports';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { approvalChange, failingAskChange } from '../helpers/change-requests';
import { capStep, failingStep, request, waitForQuestion } from '../helpers/changes';
import { cliEnv, runCli } from '../helpers/cli';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

const tokens: Record<string, Identity> = {
  'insights-reader-01': { actor: 'ops@example.com', roles: ['requester'], groups: [] },
};
const READER = 'insights-reader-01';
const NOTE = 'The auto flow had no EUR pricing';

/** A report from before the insights existed: stored without facts, half a year before the changes here. */
const LEGACY_AT = '2025-06-10T12:00:00.000Z';

describe('insights over the stored reports: change failure rate, recovery, rollbacks, waits, failing steps and root causes', () => {
  let env: TestEnv;
  let api: RunningApi;
  let startedAt: string;
  const ids = {
    completed: uniqueId('completed'),
    rolledBackLater: uniqueId('later'),
    rollback: uniqueId('rollback-run'),
    approved: uniqueId('approved'),
    rejected: uniqueId('rejected'),
    stepFailed: uniqueId('step-failed'),
    byPerson: uniqueId('by-person'),
    legacy: uniqueId('legacy'),
  };
  const reports: Record<string, AnnotatedReport> = {};

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker();
    api = await startApi(env, { tokens });
    startedAt = new Date(Date.now() - 60_000).toISOString();
    const flows = Array.from({ length: 9 }, (_, i) => uniqueId(`flow${i}`));
    await seedFlows(env.db, flows);
    const { changes } = env;

    // Completed, and completed then rolled back later by a rollback run with a category.
    await changes.start(request({ steps: [capStep('raise-cap', flows[0]!, 31)] }), { changeId: ids.completed });
    await changes.start(request({ steps: [capStep('raise-cap', flows[1]!, 32)] }), { changeId: ids.rolledBackLater });
    // Waiting on a person: one approved, one rejected.
    const approver = { deciders: { actors: ['sre@example.com'] } };
    await changes.start(approvalChange(flows[2]!, 'ops@example.com', approver), { changeId: ids.approved });
    await changes.start(approvalChange(flows[3]!, 'ops@example.com', approver), { changeId: ids.rejected });
    // Rolled back for a failed step; rolled back by a person while the failure question waited.
    await changes.start(request({ steps: [capStep('raise-cap', flows[4]!, 35), failingStep('retarget', flows[5]!)] }), {
      changeId: ids.stepFailed,
    });
    await changes.start(
      failingAskChange([flows[6]!, flows[7]!], 'ops@example.com', { actors: ['oncall@example.com'] }, []),
      { changeId: ids.byPerson },
    );

    await waitForQuestion(changes, ids.approved, { kind: 'approval' });
    await changes.decide(ids.approved, { decision: 'approve', actor: 'sre@example.com' });
    await waitForQuestion(changes, ids.rejected, { kind: 'approval' });
    await changes.decide(ids.rejected, { decision: 'reject', actor: 'sre@example.com' });
    await waitForQuestion(changes, ids.byPerson);
    await changes.requestRollback(ids.byPerson, {
      actor: 'ops@example.com',
      reason: 'acceptance is dropping while we wait',
      category: 'performance',
    });
    expect((await changes.result(ids.rolledBackLater)).phase).toBe('completed');
    await changes.rollBackLater(
      ids.rolledBackLater,
      { requestedBy: 'lead@example.com', reason: 'partners complain', category: 'business-impact' },
      { rollbackId: ids.rollback },
    );
    for (const id of Object.values(ids).filter((id) => id !== ids.legacy)) await changes.result(id);

    await api.changes.addRootCause(ids.stepFailed, { note: NOTE, author: 'sre@example.com' });
    await api.changes.addRootCause(ids.byPerson, { note: NOTE, author: 'oncall@example.com' });
    for (const id of Object.values(ids).filter((id) => id !== ids.legacy)) reports[id] = await api.changes.report(id);

    await reportsCollection(env.db).insertOne({
      _id: ids.legacy,
      storedAt: new Date(LEGACY_AT),
      changeId: ids.legacy,
      title: 'Qualify contacts',
      phase: 'rolled-back',
      requestedBy: 'ops@example.com',
      startedAt: LEGACY_AT,
      finishedAt: LEGACY_AT,
      steps: [{ id: 'qualify', target: 'crm', state: 'restored' }],
      pendingDecisions: [],
      decisions: [],
      timeline: [{ at: LEGACY_AT, event: 'trigger fired', detail: 'acceptance-drop' }],
      cause: { type: 'TriggerFired', message: 'acceptance-drop fired' },
      trigger: {
        name: 'acceptance-drop',
        metric: 'lead-events: acceptance-rate',
        comparison: 'decrease by 0.2',
        value: 0.4,
        baseline: 0.7,
        samples: 80,
        consecutive: 2,
        firedAt: LEGACY_AT,
      },
      timeToRecoverMs: 4000,
    });
  });

  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  const ttrs = () =>
    [ids.stepFailed, ids.byPerson, ids.rollback]
      .map((id) => reports[id]!.timeToRecoverMs)
      .filter((ms): ms is number => typeof ms === 'number');

  test('given the changes of this run, when the insights since they started are read through the client, then every figure matches their reports', async () => {
    expect(reports[ids.byPerson]!.cause).toMatchObject({ type: 'ManualRollback' });
    const insights = await api.changes.insights({ from: startedAt, period: 'day', targetKind: 'flow-config' });
    const { totals } = insights;

    expect(totals.changes).toEqual({
      settled: 5,
      completed: 2,
      rolledBack: 2,
      rolledBackLater: 1,
      rejected: 1,
      other: 0,
      failed: 3,
      failureRate: 3 / 5,
    });
    expect(totals.rollbacks).toEqual({
      total: 3,
      laterRuns: 1,
      byCause: { StepFailed: 1, ManualRollback: 2 },
      byCategory: { performance: 1, 'business-impact': 1 },
      byTrigger: [],
      byTargetKind: { 'flow-config': 3 },
    });
    const recoveries = ttrs();
    expect(recoveries.length).toBe(3);
    expect(totals.timeToRecover).toEqual({
      count: 3,
      totalMs: recoveries.reduce((a, b) => a + b, 0),
      meanMs: Math.round(recoveries.reduce((a, b) => a + b, 0) / 3),
      p50Ms: percentile(recoveries, 50),
      p95Ms: percentile(recoveries, 95),
    });
    const waits = [ids.approved, ids.rejected].flatMap((id) => decisionWaits(reports[id]!));
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms > 0)).toBe(true);
    expect(totals.decisionWait).toEqual({
      count: 2,
      totalMs: waits[0]! + waits[1]!,
      meanMs: Math.round((waits[0]! + waits[1]!) / 2),
      p50Ms: percentile(waits, 50),
      p95Ms: percentile(waits, 95),
    });
    expect(totals.escalations).toBe(0);
    // Both rolled back after `retarget` failed: one by the saga, one by a person asked about it.
    expect(insights.failingSteps).toEqual([{ stepId: 'retarget', target: 'flow-config', count: 2 }]);
    expect(insights.rootCauses.mostRecent.map((n) => [n.changeId, n.note, n.author])).toEqual([
      [ids.byPerson, NOTE, 'oncall@example.com'],
      [ids.stepFailed, NOTE, 'sre@example.com'],
    ]);
    expect(insights.rootCauses.mostFrequent).toEqual([{ note: NOTE, count: 2 }]);
    const days = insights.periods.filter((p) => p.changes.settled > 0);
    expect(days.reduce((n, p) => n + p.changes.settled, 0)).toBe(5);
    // Each day's percentiles rank that day's values alone.
    const dayOf = (id: string) => reports[id]!.finishedAt.slice(0, 10);
    for (const day of insights.periods) {
      const mine = [ids.stepFailed, ids.byPerson, ids.rollback].filter((id) => dayOf(id) === day.period);
      const values = mine.map((id) => reports[id]!.timeToRecoverMs!);
      expect([day.period, day.timeToRecover.p50Ms, day.timeToRecover.p95Ms]).toEqual([
        day.period,
        percentile(values, 50) ?? null,
        percentile(values, 95) ?? null,
      ]);
      const dayWaits = [ids.approved, ids.rejected].filter((id) => dayOf(id) === day.period);
      const waited = dayWaits.flatMap((id) => decisionWaits(reports[id]!));
      expect(day.decisionWait).toMatchObject({ count: waited.length, p50Ms: percentile(waited, 50) ?? null });
    }
  });

  test('given a report stored before the insights existed, when a range holds only it, then its facts are derived once and it counts; the range of this run excludes it', async () => {
    const legacy = await api.changes.insights({ from: '2025-06-01', to: '2025-07-01', period: 'month' });
    expect(legacy.periods.map((p) => p.period)).toEqual(['2025-06']);
    expect(legacy.totals.changes).toMatchObject({ settled: 1, rolledBack: 1, failed: 1, failureRate: 1 });
    expect(legacy.totals.rollbacks).toMatchObject({
      total: 1,
      byCause: { TriggerFired: 1 },
      byTrigger: [{ name: 'acceptance-drop', source: 'lead-events', count: 1 }],
      byTargetKind: { crm: 1 },
    });
    expect(legacy.totals.timeToRecover).toMatchObject({ count: 1, p50Ms: 4000, p95Ms: 4000 });
    const stored = await reportsCollection(env.db).findOne({ _id: ids.legacy });
    expect(stored?.insights).toMatchObject({ month: '2025-06', outcome: 'rolled-back', kinds: ['crm'] });

    const crm = await api.changes.insights({ from: '2025-06-01', period: 'month', targetKind: 'crm' });
    expect(crm.totals.changes.settled).toBe(1);
    const recent = await api.changes.insights({ from: startedAt, period: 'week' });
    expect(recent.totals.changes.settled).toBe(5);
    expect(recent.totals.rollbacks.byTrigger).toEqual([]);
    // Reading a report back never shows the stored facts.
    expect(Object.keys(await api.changes.report(ids.stepFailed))).not.toContain('insights');
  });

  test('given the HTTP API, when a reader asks for the insights, then the answer is the same as the client’s; bad parameters are 400 naming each, no token is 401', async () => {
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const query = `from=${encodeURIComponent(startedAt)}&to=${encodeURIComponent(to)}&period=day`;
    const answer = await call(api, 'GET', `/v1/insights?${query}`, { token: READER });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(await api.changes.insights({ from: startedAt, to, period: 'day' }));
    expect((answer.body as Insights).totals.changes.failed).toBe(3);

    const bad = await call(api, 'GET', '/v1/insights?period=year&from=last-tuesday&targetKind=ftp', { token: READER });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { in: string; path: string }) => `${i.in}:${i.path}`).sort()).toEqual([
      'query:from',
      'query:period',
      'query:targetKind',
    ]);
    const backwards = await call(api, 'GET', '/v1/insights?from=2026-01-02&to=2026-01-01', { token: READER });
    expect(backwards).toMatchObject({ status: 400, body: { issues: [{ in: 'query', path: 'to' }] } });
    const tooLong = await call(api, 'GET', '/v1/insights?from=2000-01-01&period=day', { token: READER });
    expect(tooLong).toMatchObject({ status: 400, body: { issues: [{ in: 'query', path: 'from' }] } });
    expect((await call(api, 'GET', '/v1/insights')).status).toBe(401);
  });

  test('given the CLI, when insights are printed as JSON and as a table, then they are the client’s figures; a bad period or date exits 2 naming it', async () => {
    const cli = cliEnv(env);
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const args = ['insights', '--from', startedAt, '--to', to, '--period', 'week', '--target-kind', 'flow-config'];
    const json = await runCli([...args, '--json'], cli);
    const table = await runCli(args, cli);

    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual(
      await api.changes.insights({ from: startedAt, to, period: 'week', targetKind: 'flow-config' }),
    );
    expect({ code: table.code, stderr: table.stderr }).toEqual({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^total +5 +3 +60\.0% +1 +3 /m);
    expect(table.stdout).toContain('by category: business-impact 1, performance 1');
    expect(table.stdout).toContain('  retarget (flow-config) 2');
    expect(table.stdout).toContain(`2× ${NOTE}`);

    const badPeriod = await runCli(['insights', '--period', 'year'], cli);
    expect(badPeriod.code).toBe(2);
    expect(badPeriod.stderr).toContain('--period');
    const badDate = await runCli(['insights', '--from', 'last-tuesday'], cli);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/from: /);
    console.log(
      `CLI insights --json ${json.ms.toFixed(0)} ms, table ${table.ms.toFixed(0)} ms (process start-up included)`,
    );
  });
});

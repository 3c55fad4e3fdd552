import { decisionWaits, deriveInsights, INSIGHT_FACTS_VERSION } from '../../src/domain/insight-facts';
import { assembleInsights, type InsightRows } from '../../src/domain/insights';
import { insightsQuerySchema, insightsRange, MAX_INSIGHT_PERIODS } from '../../src/domain/insights-query';
import { percentile, percentileIndex, percentilesByPeriod } from '../../src/domain/percentiles';
import { periodKey, periodKeys, periodsBetween, periodStart } from '../../src/domain/periods';
import type { ChangeReport } from '../../src/domain/status';
import { renderInsightsText } from '../../src/report/insights-text';
import { runBreakdowns } from '../../src/store/insight-rows';

const at = (iso: string) => new Date(iso);

function report(overrides: Partial<ChangeReport> = {}): ChangeReport {
  return {
    changeId: 'c-1',
    title: 'Test',
    phase: 'completed',
    requestedBy: 'ops@example.com',
    startedAt: '2026-03-02T09:00:00.000Z',
    finishedAt: '2026-03-02T10:00:00.000Z',
    steps: [
      { id: 'raise-cap', target: 'flow-config', state: 'applied' },
      { id: 'qualify', target: 'crm', state: 'applied' },
      { id: 'other-flow', target: 'flow-config', state: 'applied' },
    ],
    pendingDecisions: [],
    decisions: [],
    timeline: [],
    ...overrides,
  };
}

const decision = (questionId: string, atIso: string, stepId?: string) => ({
  questionId,
  kind: 'approval' as const,
  stepId,
  decision: 'approve' as const,
  actor: 'sre@example.com',
  level: 0,
  at: atIso,
});

describe('periods (UTC, ISO weeks)', () => {
  test('given days around the turn of a year, then ISO weeks belong to the year of their Thursday', () => {
    expect(periodKey(at('2024-12-30T12:00:00Z'), 'week')).toBe('2025-W01');
    expect(periodKey(at('2021-01-03T23:59:59Z'), 'week')).toBe('2020-W53');
    expect(periodKey(at('2026-03-02T00:00:00Z'), 'week')).toBe('2026-W10');
    expect(periodKey(at('2026-03-01T23:59:59Z'), 'week')).toBe('2026-W09');
    expect(periodKeys(at('2026-02-28T23:30:00-02:00'))).toEqual({
      day: '2026-03-01',
      week: '2026-W09',
      month: '2026-03',
    });
  });

  test('given a range, then every overlapping period is listed once, oldest first, with its bounds', () => {
    const weeks = periodsBetween(at('2026-03-04T00:00:00Z'), at('2026-03-17T00:00:00Z'), 'week');
    expect(weeks.map((w) => [w.key, w.start.toISOString()])).toEqual([
      ['2026-W10', '2026-03-02T00:00:00.000Z'],
      ['2026-W11', '2026-03-09T00:00:00.000Z'],
      ['2026-W12', '2026-03-16T00:00:00.000Z'],
    ]);
    const months = periodsBetween(at('2025-12-31T00:00:00Z'), at('2026-02-01T00:00:00Z'), 'month');
    expect(months.map((m) => m.key)).toEqual(['2025-12', '2026-01']);
    expect(periodStart(at('2026-03-15T08:00:00Z'), 'month').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(periodsBetween(at('2026-01-01'), at('2027-01-01'), 'day')).toHaveLength(365);
  });
});

describe('percentiles by nearest rank', () => {
  test('given n values, then p50 and p95 are the values at ranks ⌈p·n⌉', () => {
    expect(percentileIndex(0, 50)).toBeUndefined();
    expect(percentileIndex(1, 95)).toBe(0);
    expect(percentileIndex(4, 50)).toBe(1);
    expect(percentileIndex(20, 95)).toBe(18);
    expect(percentileIndex(21, 95)).toBe(19);
    expect(percentile([5000, 300, 1200, 700], 50)).toBe(700);
    expect(percentile([5000, 300, 1200, 700], 95)).toBe(5000);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => 100 - i),
        95,
      ),
    ).toBe(95);
    expect(() => percentileIndex(3, 0)).toThrow(RangeError);
  });

  test('given samples of several periods, then each period and all of them are ranked as percentile ranks their values', () => {
    const samples = [
      { period: 'a', value: 5000 },
      { period: 'b', value: 10 },
      { period: 'a', value: 300 },
      { period: 'a', value: 1200 },
      { period: 'b', value: 10 },
      { period: 'a', value: 700 },
    ];
    const rows = percentilesByPeriod(samples);
    const of = (period: string | null) =>
      samples.filter((s) => period === null || s.period === period).map((s) => s.value);
    expect(rows).toHaveLength(6);
    for (const period of ['a', 'b', null])
      for (const p of [50, 95] as const)
        expect(rows.find((r) => r.period === period && r.p === p)?.value).toBe(percentile(of(period), p));
    expect(percentilesByPeriod([])).toEqual([]);
  });
});

describe('run counts out of one group by every key', () => {
  test('given group rows over outcomes, causes, categories, triggers, kinds and escalations, then each breakdown sums the rows it names, and a rollback counts once per kind it touched', () => {
    const rb = { outcome: 'rolled-back' };
    const row = (value: number, key: Record<string, unknown>) => ({ period: 'w1', value, ...key });
    const rows = [
      row(5, { run: 'change', outcome: 'completed', kinds: ['crm'], escalations: 0 }),
      row(1, { run: 'change', outcome: 'completed', later: true, kinds: ['webhook'], escalations: 2 }),
      row(2, { ...rb, run: 'change', cause: 'StepFailed', kinds: ['crm', 'webhook'], escalations: 1 }),
      row(1, { ...rb, run: 'change', cause: 'TriggerFired', name: 'drop', source: 'lead-events', kinds: ['crm'] }),
      row(3, { ...rb, run: 'change', cause: 'TriggerFired', name: 'drop', source: 'lead-events', kinds: ['webhook'] }),
      row(1, { ...rb, run: 'rollback-later', cause: 'ManualRollback', category: 'errors', kinds: ['crm'] }),
      { period: 'w2', value: 4, ...rb, run: 'change', cause: null, category: 'errors', kinds: ['crm', 'crm'] },
    ];
    const split = runBreakdowns(rows, ['crm', 'webhook', 'flow-config']);
    expect(split.outcomes).toEqual([
      { period: 'w1', outcome: 'completed', later: false, value: 5 },
      { period: 'w1', outcome: 'completed', later: true, value: 1 },
      { period: 'w1', outcome: 'rolled-back', later: false, value: 6 },
      { period: 'w2', outcome: 'rolled-back', later: false, value: 4 },
    ]);
    expect(split.rollbacks).toEqual([
      { period: 'w1', later: false, cause: 'StepFailed', value: 2 },
      { period: 'w1', later: false, cause: 'TriggerFired', value: 4 },
      { period: 'w1', later: true, cause: 'ManualRollback', value: 1 },
      { period: 'w2', later: false, cause: null, value: 4 },
    ]);
    expect(split.categories).toEqual([
      { period: 'w1', category: 'errors', value: 1 },
      { period: 'w2', category: 'errors', value: 4 },
    ]);
    expect(split.triggers).toEqual([{ period: 'w1', name: 'drop', source: 'lead-events', value: 4 }]);
    expect(split.kinds).toEqual([
      { period: 'w1', kind: 'crm', value: 4 },
      { period: 'w2', kind: 'crm', value: 4 },
      { period: 'w1', kind: 'webhook', value: 5 },
    ]);
    expect(split.escalations).toEqual([{ period: 'w1', value: 2 * 1 + 1 * 2 }]);
    expect(runBreakdowns(rows, ['webhook']).kinds).toEqual([{ period: 'w1', kind: 'webhook', value: 5 }]);
  });
});

describe('insight facts derived from a report', () => {
  test('given a change rolled back for a failed step, then the facts name the outcome, cause, failing step, kinds and recovery time', () => {
    const { facts, waitsMs } = deriveInsights(
      report({
        phase: 'rolled-back',
        cause: { stepId: 'qualify', type: 'CrmRejected', message: 'no such property' },
        timeToRecoverMs: 1234,
      }),
      at('2030-01-01T00:00:00Z'),
    );
    expect(facts).toEqual({
      v: INSIGHT_FACTS_VERSION,
      at: at('2026-03-02T10:00:00.000Z'),
      day: '2026-03-02',
      week: '2026-W10',
      month: '2026-03',
      run: 'change',
      outcome: 'rolled-back',
      kinds: ['crm', 'flow-config'],
      ttrMs: 1234,
      questions: 0,
      waitMs: 0,
      escalations: 0,
      cause: 'StepFailed',
      category: null,
      trigger: null,
      failingStep: { id: 'qualify', target: 'crm' },
    });
    expect(waitsMs).toEqual([]);
  });

  test('given a manual rollback run later and a trigger that fired, then the category, the trigger and its source are kept, and a completed change has none', () => {
    const later = deriveInsights(
      report({
        phase: 'rolled-back',
        rollsBack: 'c-0',
        cause: { type: 'ManualRollback', message: 'asked' },
        rollbackRequest: {
          actor: 'ops@example.com',
          reason: 'slow',
          category: 'performance',
          at: '2026-03-02T09:30:00Z',
        },
        recovery: {
          detectedAt: '2026-03-02T09:30:00Z',
          rollbackStartedAt: '2026-03-02T09:30:00Z',
          restoredAt: '2026-03-02T09:31:00Z',
          timeToRecoverMs: 60_000,
        },
      }),
      at('2030-01-01'),
    ).facts;
    expect(later).toMatchObject({
      run: 'rollback-later',
      cause: 'ManualRollback',
      category: 'performance',
      ttrMs: 60_000,
    });

    const fired = deriveInsights(
      report({
        phase: 'rolled-back',
        cause: { type: 'TriggerFired', message: 'fired' },
        trigger: {
          name: 'acceptance-drop',
          metric: 'prometheus: sum(rate(x[5m]))',
          comparison: 'below 0.5',
          value: 0.2,
          samples: 40,
          consecutive: 2,
          firedAt: '2026-03-02T09:50:00Z',
        },
      }),
      at('2030-01-01'),
    ).facts;
    expect(fired).toMatchObject({ cause: 'TriggerFired', trigger: { name: 'acceptance-drop', source: 'prometheus' } });

    const completed = deriveInsights(
      report({ trigger: undefined, timeToRecoverMs: undefined }),
      at('2030-01-01'),
    ).facts;
    expect(completed).toMatchObject({ outcome: 'completed', cause: null, category: null, trigger: null, ttrMs: null });
    expect(deriveInsights(report({ phase: 'held' }), at('2030-01-01')).facts.outcome).toBe('other');
  });

  test('given a step that failed, a question, then a manual rollback, then the failed step is the failing step and the cause the manual rollback', () => {
    const { facts } = deriveInsights(
      report({
        phase: 'rolled-back',
        cause: { type: 'ManualRollback', message: 'asked' },
        rollbackRequest: {
          actor: 'ops@example.com',
          reason: 'give up',
          category: 'errors',
          at: '2026-03-02T09:40:00Z',
        },
        timeline: [
          { at: '2026-03-02T09:20:00.000Z', event: 'step failed', stepId: 'qualify', detail: 'rejected' },
          { at: '2026-03-02T09:20:00.000Z', event: 'decision asked', stepId: 'qualify' },
          { at: '2026-03-02T09:40:00.000Z', event: 'rollback requested', actor: 'ops@example.com' },
        ],
      }),
      at('2030-01-01'),
    );
    expect(facts).toMatchObject({
      cause: 'ManualRollback',
      category: 'errors',
      failingStep: { id: 'qualify', target: 'crm' },
      questions: 0,
    });
    expect(
      deriveInsights(
        report({ timeline: [{ at: '2026-03-02T09:20:00.000Z', event: 'step failed', stepId: 'qualify' }] }),
        at('2030-01-01'),
      ).facts.failingStep,
    ).toBeNull();
  });

  test('given a finishedAt that does not parse, then the fallback time places the report', () => {
    const { facts } = deriveInsights(report({ finishedAt: 'yesterday' }), at('2026-05-05T05:00:00Z'));
    expect(facts).toMatchObject({ day: '2026-05-05', week: '2026-W19', month: '2026-05' });
  });

  test('given a question asked, escalated and asked again, then its wait runs from the first ask to the answer, and escalations are counted', () => {
    const r = report({
      timeline: [
        { at: '2026-03-02T09:00:00.000Z', event: 'decision asked' },
        { at: '2026-03-02T09:10:00.000Z', event: 'decision asked' },
        { at: '2026-03-02T09:10:00.000Z', event: 'escalated' },
        { at: '2026-03-02T09:25:00.000Z', event: 'decision accepted' },
      ],
      decisions: [decision('q1', '2026-03-02T09:25:00.000Z')],
    });
    expect(decisionWaits(r)).toEqual([25 * 60_000]);
    expect(deriveInsights(r, at('2030-01-01')).facts).toMatchObject({
      questions: 1,
      waitMs: 25 * 60_000,
      escalations: 1,
    });
  });

  test('given two approvals needed, parallel questions on two steps, an exhausted question and one a rollback interrupted, then only answered questions count, each once', () => {
    const r = report({
      timeline: [
        { at: '2026-03-02T09:00:00.000Z', event: 'decision asked' },
        { at: '2026-03-02T09:20:00.000Z', event: 'decision asked', stepId: 'a' },
        { at: '2026-03-02T09:20:00.000Z', event: 'decision asked', stepId: 'b' },
        { at: '2026-03-02T09:30:00.000Z', event: 'escalation exhausted', stepId: 'b' },
        { at: '2026-03-02T09:40:00.000Z', event: 'decision asked', stepId: 'c' },
        { at: '2026-03-02T09:45:00.000Z', event: 'rollback requested' },
        { at: '2026-03-02T09:50:00.000Z', event: 'decision asked', stepId: 'c' },
      ],
      decisions: [
        decision('approval', '2026-03-02T09:05:00.000Z'),
        decision('approval', '2026-03-02T09:15:00.000Z'),
        decision('on-a', '2026-03-02T09:21:00.000Z', 'a'),
        decision('on-c', '2026-03-02T09:52:00.000Z', 'c'),
      ],
    });
    expect(decisionWaits(r)).toEqual([15 * 60_000, 60_000, 2 * 60_000]);
  });

  test('given an early decision accepted in the same instant it was asked, then it waited 0 ms', () => {
    const r = report({
      timeline: [{ at: '2026-03-02T09:00:00.000Z', event: 'decision asked', stepId: 's' }],
      decisions: [decision('q', '2026-03-02T09:00:00.000Z', 's')],
    });
    expect(decisionWaits(r)).toEqual([0]);
  });
});

describe('the insights query and the figures assembled from grouped rows', () => {
  const now = at('2026-03-20T12:00:00Z');

  test('given no bounds, then the range is the 90 days before now; bad values name their field', () => {
    const range = insightsRange(insightsQuerySchema.parse({}), now);
    expect(range.period).toBe('week');
    expect(range.to.getTime() - range.from.getTime()).toBe(90 * 86_400_000);
    const issues = (input: unknown) => insightsQuerySchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ period: 'year' })).toEqual(['period']);
    expect(issues({ targetKind: 'ftp' })).toEqual(['targetKind']);
    expect(issues({ from: 'last tuesday' })).toEqual(['from']);
    expect(issues({ from: '2026-03-10', to: '2026-03-01' })).toEqual(['to']);
    expect(issues({ from: '2020-01-01', to: '2026-01-01', period: 'day' })).toEqual(['from']);
    expect(issues({ from: '2026-01-01', limit: 3 })).toEqual(['']);
    expect(insightsQuerySchema.safeParse({ from: '2025-01-01', to: '2026-01-01', period: 'day' }).success).toBe(true);
    expect(MAX_INSIGHT_PERIODS).toBeGreaterThanOrEqual(366);
  });

  const rows: InsightRows = {
    outcomes: [
      { period: '2026-W10', outcome: 'completed', later: false, value: 3 },
      { period: '2026-W10', outcome: 'completed', later: true, value: 1 },
      { period: '2026-W10', outcome: 'rolled-back', later: false, value: 2 },
      { period: '2026-W11', outcome: 'rejected', later: false, value: 1 },
    ],
    rollbacks: [
      { period: '2026-W10', later: false, cause: 'StepFailed', value: 1 },
      { period: '2026-W10', later: false, cause: 'ManualRollback', value: 1 },
      { period: '2026-W11', later: true, cause: 'ManualRollback', value: 1 },
    ],
    categories: [
      { period: '2026-W10', category: 'errors', value: 1 },
      { period: '2026-W11', category: 'errors', value: 1 },
    ],
    triggers: [],
    kinds: [
      { period: '2026-W10', kind: 'flow-config', value: 2 },
      { period: '2026-W11', kind: 'flow-config', value: 1 },
    ],
    ttrCount: [
      { period: '2026-W10', value: 2 },
      { period: '2026-W11', value: 1 },
    ],
    ttrSum: [
      { period: '2026-W10', value: 3000 },
      { period: '2026-W11', value: 600 },
    ],
    questions: [{ period: '2026-W10', value: 2 }],
    waitSum: [{ period: '2026-W10', value: 90_000 }],
    escalations: [{ period: '2026-W10', value: 1 }],
    percentiles: [
      { metric: 'ttr', period: null, p: 50, value: 1000 },
      { metric: 'ttr', period: '2026-W10', p: 95, value: 2000 },
    ],
    failingSteps: [{ stepId: 'qualify', target: 'crm', count: 1 }],
    rootCauses: { mostRecent: [], mostFrequent: [] },
  };

  test('given grouped rows, then each period and the totals count outcomes, rates, rollbacks and means, and empty periods are listed with zeros', () => {
    const range = insightsRange(insightsQuerySchema.parse({ from: '2026-03-02', to: '2026-03-23' }), now);
    const insights = assembleInsights(range, rows);
    expect(insights.periods.map((p) => p.period)).toEqual(['2026-W10', '2026-W11', '2026-W12']);
    expect(insights.periods[0]!.changes).toEqual({
      settled: 6,
      completed: 3,
      rolledBack: 2,
      rolledBackLater: 1,
      rejected: 0,
      other: 0,
      failed: 3,
      failureRate: 0.5,
    });
    expect(insights.periods[0]!.timeToRecover).toEqual({
      count: 2,
      totalMs: 3000,
      meanMs: 1500,
      p50Ms: null,
      p95Ms: 2000,
    });
    expect(insights.periods[2]!.changes.failureRate).toBeNull();
    expect(insights.totals.changes).toMatchObject({ settled: 6, failed: 3, rejected: 1 });
    expect(insights.totals.rollbacks).toEqual({
      total: 3,
      laterRuns: 1,
      byCause: { StepFailed: 1, ManualRollback: 2 },
      byCategory: { errors: 2 },
      byTrigger: [],
      byTargetKind: { 'flow-config': 3 },
    });
    expect(insights.totals.timeToRecover).toEqual({ count: 3, totalMs: 3600, meanMs: 1200, p50Ms: 1000, p95Ms: null });
    expect(insights.totals.decisionWait).toMatchObject({ count: 2, totalMs: 90_000, meanMs: 45_000 });
    expect(insights.totals.escalations).toBe(1);

    const text = renderInsightsText(insights);
    expect(text).toMatch(/^2026-W10 +6 +3 +50\.0%/m);
    expect(text).toMatch(/^total +6 +3 +50\.0% +1 +3 +1\.0 s \/ -/m);
    expect(text).toContain('by category: errors 2');
    expect(text).toContain('  qualify (crm) 1');
  });
});

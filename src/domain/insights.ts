import type { InsightCause, InsightOutcome } from './insight-facts';
import type { InsightsRange } from './insights-query';
import type { InsightPercentile } from './percentiles';
import { periodsBetween, type PeriodKind } from './periods';
import type { TargetKind } from './targets/index';

/** Change failure rate: settled changes that were rolled back, then or later. */
export interface ChangeFigures {
  /** completed + rolledBack + rolledBackLater: the changes that ran to an end. */
  settled: number;
  /** Completed and not rolled back later. */
  completed: number;
  rolledBack: number;
  /** Completed, then rolled back by a rollback run later that ended rolled back. */
  rolledBackLater: number;
  /** Never applied: not approved, refused by the floor or a lock. Not part of `settled`. */
  rejected: number;
  /** Reports in any other phase (none, when every stored report is final). */
  other: number;
  failed: number;
  /** failed / settled; null when nothing settled. */
  failureRate: number | null;
}

export interface RollbackFigures {
  /** Runs that ended rolled back: changes, and rollbacks of finished changes run later. */
  total: number;
  /** Of `total`, the rollbacks run later. */
  laterRuns: number;
  /** What started each rollback: StepFailed, or the run's cause (ManualRollback, TriggerFired, …). */
  byCause: Partial<Record<InsightCause, number>>;
  /** The reason category people gave (manual rollbacks and rollbacks later). */
  byCategory: Record<string, number>;
  /** The trigger that fired, by name and metric source, most frequent first. */
  byTrigger: { name: string; source: string; count: number }[];
  /** Rollbacks per target kind they touched (a rollback over two kinds counts for each). */
  byTargetKind: Partial<Record<TargetKind, number>>;
}

export interface DurationFigures {
  count: number;
  totalMs: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface InsightFigures {
  changes: ChangeFigures;
  rollbacks: RollbackFigures;
  /** Over every run that rolled back and measured its recovery. */
  timeToRecover: DurationFigures;
  /** Answered questions (approvals, failures, compensations) and how long each waited on people. */
  decisionWait: DurationFigures;
  escalations: number;
}

export interface PeriodInsights extends InsightFigures {
  period: string;
  start: string;
  end: string;
}

export interface Insights {
  from: string;
  to: string;
  period: PeriodKind;
  targetKind?: TargetKind;
  totals: InsightFigures;
  /** Every period overlapping the range, oldest first; the first and last count only what lies in the range. */
  periods: PeriodInsights[];
  /** The steps whose failure rolled their change back, most frequent first (up to 10). */
  failingSteps: { stepId: string; target: TargetKind; count: number }[];
  rootCauses: {
    /** The latest notes of the range's changes, newest first (up to 5). */
    mostRecent: { changeId: string; note: string; author: string; at: string }[];
    /** Notes given word for word on several changes, most frequent first (up to 5). */
    mostFrequent: { note: string; count: number }[];
  };
}

/** One grouped count or sum as the database answers it, per period. */
export interface PeriodValue {
  period: string;
  value: number;
}

/** What the store's aggregations answer; `assembleInsights` turns it into figures. */
export interface InsightRows {
  outcomes: (PeriodValue & { outcome: InsightOutcome; later: boolean })[];
  rollbacks: (PeriodValue & { later: boolean; cause: InsightCause | null })[];
  categories: (PeriodValue & { category: string })[];
  triggers: (PeriodValue & { name: string; source: string })[];
  kinds: (PeriodValue & { kind: TargetKind })[];
  ttrCount: PeriodValue[];
  ttrSum: PeriodValue[];
  questions: PeriodValue[];
  waitSum: PeriodValue[];
  escalations: PeriodValue[];
  /** `period` null: over the whole range. */
  percentiles: { metric: 'ttr' | 'wait'; period: string | null; p: InsightPercentile; value: number }[];
  failingSteps: Insights['failingSteps'];
  rootCauses: Insights['rootCauses'];
}

function emptyFigures(): InsightFigures {
  const duration = (): DurationFigures => ({ count: 0, totalMs: 0, meanMs: null, p50Ms: null, p95Ms: null });
  return {
    changes: {
      settled: 0,
      completed: 0,
      rolledBack: 0,
      rolledBackLater: 0,
      rejected: 0,
      other: 0,
      failed: 0,
      failureRate: null,
    },
    rollbacks: { total: 0, laterRuns: 0, byCause: {}, byCategory: {}, byTrigger: [], byTargetKind: {} },
    timeToRecover: duration(),
    decisionWait: duration(),
    escalations: 0,
  };
}

const add = <K extends string>(record: Partial<Record<K, number>>, key: K, n: number) => {
  record[key] = (record[key] ?? 0) + n;
};

/** Adds one row's figures to a period's (and, called again, to the totals). */
function accumulate(figures: InsightFigures, rows: InsightRows, period: string | null): void {
  const mine = <R extends PeriodValue>(list: R[]) => (period === null ? list : list.filter((r) => r.period === period));
  const { changes, rollbacks } = figures;
  for (const row of mine(rows.outcomes)) {
    if (row.outcome === 'completed') changes[row.later ? 'rolledBackLater' : 'completed'] += row.value;
    else if (row.outcome === 'rolled-back') changes.rolledBack += row.value;
    else if (row.outcome === 'rejected') changes.rejected += row.value;
    else changes.other += row.value;
  }
  changes.failed = changes.rolledBack + changes.rolledBackLater;
  changes.settled = changes.completed + changes.failed;
  changes.failureRate = changes.settled === 0 ? null : changes.failed / changes.settled;

  for (const row of mine(rows.rollbacks)) {
    rollbacks.total += row.value;
    if (row.later) rollbacks.laterRuns += row.value;
    if (row.cause) add(rollbacks.byCause, row.cause, row.value);
  }
  for (const row of mine(rows.categories)) add(rollbacks.byCategory, row.category, row.value);
  for (const row of mine(rows.kinds)) add(rollbacks.byTargetKind, row.kind, row.value);
  const triggers = new Map<string, { name: string; source: string; count: number }>();
  for (const row of mine(rows.triggers)) {
    const key = JSON.stringify([row.name, row.source]);
    const entry = triggers.get(key) ?? { name: row.name, source: row.source, count: 0 };
    entry.count += row.value;
    triggers.set(key, entry);
  }
  rollbacks.byTrigger = [...triggers.values()].sort(
    (a, b) => b.count - a.count || a.name.localeCompare(b.name) || a.source.localeCompare(b.source),
  );

  const sum = (list: PeriodValue[]) => mine(list).reduce((total, row) => total + row.value, 0);
  figures.timeToRecover.count = sum(rows.ttrCount);
  figures.timeToRecover.totalMs = sum(rows.ttrSum);
  figures.decisionWait.count = sum(rows.questions);
  figures.decisionWait.totalMs = sum(rows.waitSum);
  figures.escalations = sum(rows.escalations);
  for (const [metric, duration] of [
    ['ttr', figures.timeToRecover],
    ['wait', figures.decisionWait],
  ] as const) {
    duration.meanMs = duration.count === 0 ? null : Math.round(duration.totalMs / duration.count);
    for (const row of rows.percentiles)
      if (row.metric === metric && row.period === period) duration[row.p === 50 ? 'p50Ms' : 'p95Ms'] = row.value;
  }
}

/** The answer: every period of the range with its figures, and the totals over the range. */
export function assembleInsights(range: InsightsRange, rows: InsightRows): Insights {
  const totals = emptyFigures();
  accumulate(totals, rows, null);
  const periods = periodsBetween(range.from, range.to, range.period).map(({ key, start, end }) => {
    const figures = emptyFigures();
    accumulate(figures, rows, key);
    return { period: key, start: start.toISOString(), end: end.toISOString(), ...figures };
  });
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    period: range.period,
    ...(range.targetKind ? { targetKind: range.targetKind } : {}),
    totals,
    periods,
    failingSteps: rows.failingSteps,
    rootCauses: rows.rootCauses,
  };
}

import type { InsightRows, PeriodValue } from '../domain/insights';
import type { PeriodKind } from '../domain/periods';
import type { PeriodSample } from '../domain/percentiles';
import type { TargetKind } from '../domain/targets/index';

/**
 * The rows the insights aggregations answer, turned into the store's answer (`InsightRows`): what
 * one `$group` per breakdown would answer is added up here from one group by all of their keys,
 * and counts and sums of recoveries and waits from the values read for the percentiles.
 */

/** One `$group` row: its key's fields, its period, and its one number. */
export type GroupRow = Record<string, unknown> & PeriodValue;

/** A `$project` of some facts of one report: nothing but the fields asked for. */
export interface ProjectedFacts {
  insights?: Record<string, unknown>;
  insightWaitsMs?: unknown;
}

const asString = (value: unknown) => (typeof value === 'string' ? value : null);

/** The projected rows that have a period key, with it (a report without one is in no period). */
export function withPeriod(rows: ProjectedFacts[], period: PeriodKind): (ProjectedFacts & { period: string })[] {
  return rows.flatMap((row) => {
    const key = row.insights?.[period];
    return typeof key === 'string' ? [{ ...row, period: key }] : [];
  });
}

/** The numbers `pick` finds in each row, each with the row's period. */
export function samples(
  rows: (ProjectedFacts & { period: string })[],
  pick: (row: ProjectedFacts) => unknown[],
): PeriodSample[] {
  return rows.flatMap((row) =>
    pick(row)
      .filter((value): value is number => typeof value === 'number')
      .map((value) => ({ period: row.period, value })),
  );
}

/** Adds up values per period, as a `$group` by period with one `$sum` would. */
export function sumByPeriod(rows: PeriodValue[]): PeriodValue[] {
  const sums = new Map<string, number>();
  for (const { period, value } of rows) sums.set(period, (sums.get(period) ?? 0) + value);
  return [...sums].map(([period, value]) => ({ period, value }));
}

/** Sums the rows' counts by the key `keyOf` gives (undefined: the row is not counted). */
function tally<R extends PeriodValue>(rows: GroupRow[], keyOf: (row: GroupRow) => Omit<R, 'value'> | undefined): R[] {
  const sums = new Map<string, R>();
  for (const row of rows) {
    const key = keyOf(row);
    if (!key) continue;
    const id = JSON.stringify(key);
    const entry = sums.get(id) ?? ({ ...key, value: 0 } as R);
    entry.value += row.value;
    sums.set(id, entry);
  }
  return [...sums.values()];
}

/**
 * The counts of runs out of the one group of the range's reports by period × run × outcome ×
 * rolled back later × cause × category × trigger × kinds × escalations: the changes by outcome,
 * the rolled-back runs by cause, category, trigger and target kind, and the escalations. A
 * rollback counts once for each of `kinds` it touched, as a `$match` of that kind on the kinds
 * array counts it.
 */
export function runBreakdowns(
  rows: GroupRow[],
  kinds: readonly TargetKind[],
): Pick<InsightRows, 'outcomes' | 'rollbacks' | 'categories' | 'triggers' | 'kinds' | 'escalations'> {
  const changes = rows.filter((row) => row.run === 'change');
  const rolledBack = rows.filter((row) => row.outcome === 'rolled-back');
  const touches = (row: GroupRow, kind: TargetKind) =>
    Array.isArray(row.kinds) ? row.kinds.includes(kind) : row.kinds === kind;
  return {
    outcomes: tally<InsightRows['outcomes'][number]>(changes, (row) => ({
      period: row.period,
      outcome: (asString(row.outcome) ?? 'other') as InsightRows['outcomes'][number]['outcome'],
      later: row.later === true,
    })),
    rollbacks: tally<InsightRows['rollbacks'][number]>(rolledBack, (row) => ({
      period: row.period,
      later: row.run === 'rollback-later',
      cause: asString(row.cause) as InsightRows['rollbacks'][number]['cause'],
    })),
    categories: tally<InsightRows['categories'][number]>(rolledBack, (row) =>
      typeof row.category === 'string' ? { period: row.period, category: row.category } : undefined,
    ),
    triggers: tally<InsightRows['triggers'][number]>(rolledBack, (row) =>
      typeof row.name === 'string'
        ? { period: row.period, name: row.name, source: asString(row.source) ?? 'other' }
        : undefined,
    ),
    kinds: kinds.flatMap((kind) =>
      tally<InsightRows['kinds'][number]>(rolledBack, (row) =>
        touches(row, kind) ? { period: row.period, kind } : undefined,
      ),
    ),
    escalations: sumByPeriod(
      rows.flatMap((row) =>
        typeof row.escalations === 'number' && row.escalations > 0
          ? [{ period: row.period, value: row.escalations * row.value }]
          : [],
      ),
    ),
  };
}

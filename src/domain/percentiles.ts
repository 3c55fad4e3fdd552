/**
 * Percentiles by nearest rank: the p-th percentile of n values is the value at rank ⌈p/100 · n⌉
 * of them in ascending order (rank 1 is the smallest). It is always one of the values (never an
 * interpolation). The store reads the values (numbers and their period keys) and ranks them here.
 */
export const insightPercentiles = [50, 95] as const;
export type InsightPercentile = (typeof insightPercentiles)[number];

/** The 0-based position of the p-th percentile among n ascending values; undefined when n is 0. */
export function percentileIndex(n: number, p: number): number | undefined {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`not a count: ${n}`);
  if (!(p > 0 && p <= 100)) throw new RangeError(`not a percentile: ${p}`);
  if (n === 0) return undefined;
  return Math.max(1, Math.ceil((p / 100) * n)) - 1;
}

/** The p-th percentile of some values (the rank `percentilesByPeriod` reads too). */
export function percentile(values: readonly number[], p: number): number | undefined {
  const index = percentileIndex(values.length, p);
  return index === undefined ? undefined : [...values].sort((a, b) => a - b)[index];
}

/** One value measured in a period (a recovery's time, a question's wait). */
export interface PeriodSample {
  period: string;
  value: number;
}

/** The percentile rows of a metric, per period and (`period` null) over all the samples. */
export interface PercentileRow {
  period: string | null;
  p: InsightPercentile;
  value: number;
}

/**
 * Every insight percentile of some samples, per period and over them all: each group is sorted
 * once and read at the ranks `percentileIndex` gives, so the answer is the one `percentile` gives
 * for the same values. Periods with no samples have no rows.
 */
export function percentilesByPeriod(samples: readonly PeriodSample[]): PercentileRow[] {
  const groups = new Map<string | null, number[]>([[null, []]]);
  for (const { period, value } of samples) {
    groups.get(null)!.push(value);
    const values = groups.get(period);
    if (values) values.push(value);
    else groups.set(period, [value]);
  }
  const rows: PercentileRow[] = [];
  for (const [period, values] of groups) {
    values.sort((a, b) => a - b);
    for (const p of insightPercentiles) {
      const index = percentileIndex(values.length, p);
      if (index !== undefined) rows.push({ period, p, value: values[index]! });
    }
  }
  return rows;
}

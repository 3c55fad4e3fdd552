/**
 * Percentiles by nearest rank: the p-th percentile of n values is the value at rank ⌈p/100 · n⌉
 * of them in ascending order (rank 1 is the smallest). It is always one of the values (never an
 * interpolation), so the database can answer it by sorting and skipping to that rank, one value out.
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

/** The p-th percentile of some values (the same rank the database is asked for). */
export function percentile(values: readonly number[], p: number): number | undefined {
  const index = percentileIndex(values.length, p);
  return index === undefined ? undefined : [...values].sort((a, b) => a - b)[index];
}

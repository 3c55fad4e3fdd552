/**
 * Summary statistics for benchmark samples. Percentiles interpolate linearly between the two
 * nearest ranks (the "type 7" definition that NumPy, R and spreadsheets use by default), so a p95
 * over 30 samples sits between the 28th and 29th values instead of snapping to one of them.
 */

export interface Summary {
  n: number;
  min: number;
  max: number;
  median: number;
  p50: number;
  p95: number;
  mean: number;
}

/** The p-th percentile (0 ≤ p ≤ 100) of the samples; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0)
    return {
      n: 0,
      min: Number.NaN,
      max: Number.NaN,
      median: Number.NaN,
      p50: Number.NaN,
      p95: Number.NaN,
      mean: Number.NaN,
    };
  const median = percentile(samples, 50);
  return {
    n: samples.length,
    min: Math.min(...samples),
    max: Math.max(...samples),
    median,
    p50: median,
    p95: percentile(samples, 95),
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
  };
}

/** a / b, NaN when b is 0 or either is missing: a ratio is only shown when both sides were measured. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

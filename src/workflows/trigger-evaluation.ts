import type { Trigger } from '../domain/observation';

export type Verdict = 'breach' | 'healthy' | 'inconclusive';

export interface SampleLike {
  value: number | null;
  samples: number | null;
  /** Why the source gave no value (refused, unreachable): inconclusive, never a breach. */
  unavailable?: string;
}

/**
 * Judges one sample of a trigger's metric. Too little traffic is inconclusive, never a breach;
 * relative comparisons without a conclusive baseline are inconclusive too.
 */
export function evaluateTrigger(
  trigger: Trigger,
  sample: SampleLike,
  baseline?: SampleLike,
): { verdict: Verdict; reason: string } {
  if (sample.value === null)
    return {
      verdict: 'inconclusive',
      reason: sample.unavailable ? `metric unavailable: ${sample.unavailable}` : 'no data in the window',
    };
  if (sample.samples !== null && sample.samples < trigger.minSamples) {
    return { verdict: 'inconclusive', reason: `${sample.samples} sample(s), fewer than ${trigger.minSamples}` };
  }
  const { comparison } = trigger;
  const value = sample.value;
  switch (comparison.kind) {
    case 'above':
      return value > comparison.threshold
        ? { verdict: 'breach', reason: `${fmt(value)} > ${comparison.threshold}` }
        : { verdict: 'healthy', reason: `${fmt(value)} ≤ ${comparison.threshold}` };
    case 'below':
      return value < comparison.threshold
        ? { verdict: 'breach', reason: `${fmt(value)} < ${comparison.threshold}` }
        : { verdict: 'healthy', reason: `${fmt(value)} ≥ ${comparison.threshold}` };
    case 'increase':
    case 'decrease': {
      if (
        !baseline ||
        baseline.value === null ||
        (baseline.samples !== null && baseline.samples < trigger.minSamples)
      ) {
        return { verdict: 'inconclusive', reason: 'no conclusive baseline to compare with' };
      }
      const limit =
        comparison.kind === 'increase' ? baseline.value * (1 + comparison.by) : baseline.value * (1 - comparison.by);
      const breach = comparison.kind === 'increase' ? value > limit : value < limit;
      const word = comparison.kind === 'increase' ? 'above' : 'below';
      return {
        verdict: breach ? 'breach' : 'healthy',
        reason: `${fmt(value)} vs baseline ${fmt(baseline.value)} (limit ${fmt(limit)}: ${breach ? '' : 'not '}${word})`,
      };
    }
  }
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4);
}

/**
 * Policy durations as numbers, and the range each policy field accepts. Free of zod and I/O, so
 * workflow code and the history budget can import it.
 */

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Whole units of ms, s, m, h or d, as Temporal timers and `condition` take them. */
export const DURATION_PATTERN = /^(\d{1,6})(ms|s|m|h|d)$/;

/** Milliseconds of a policy duration such as `15m` (the schema guarantees the format). */
export function durationMs(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new TypeError(`not a duration: ${duration}`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/**
 * The shortest and longest value of every duration a request can hold. Minimums keep timers
 * from firing faster than a person or a metric can answer (and history from filling with them);
 * maximums keep every wait inside what an operator would call one change. How many events the
 * waits add up to is judged by the history budget (history-budget.ts), not by these ranges.
 */
export const durationLimits = {
  /** How long one escalation level has to decide before the next one is asked. */
  'policy.escalation.levels.*.deadline': { min: '1s', max: '30d' },
  /** How long a change waits for another change's target locks. */
  'policy.locks.maxWait': { min: '1s', max: '1d' },
  /** How long the change stays under observation after its last step. */
  'policy.observe.bakeTime': { min: '1s', max: '30d' },
  /** How often the triggers' metrics are sampled during the bake time. */
  'policy.observe.interval': { min: '1s', max: '1d' },
  /** The window before the change that relative comparisons compare with. */
  'policy.observe.baselineWindow': { min: '1s', max: '30d' },
  /** How long metrics are watched again after a rollback. */
  'policy.observe.recoveryWindow': { min: '1s', max: '1d' },
} as const satisfies Record<string, { min: string; max: string }>;

export type DurationField = keyof typeof durationLimits;

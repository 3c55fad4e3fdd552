import { changeRequestSchema, type ChangeRequest, type ChangeRequestInput } from '../../src/domain/change-request';
import { parseOrThrow } from '../../src/domain/validation';

/**
 * The largest requests the history budget lets through, built by growing one dimension of a
 * request that already takes every expensive option: risk high (two approvals), approval
 * required, ten escalation levels at the shortest deadline that then hold, ask on step failure,
 * lead-data steps (apply, verify, restore and verify-restore are separate activities), a lock wait
 * of the longest maxWait, twenty triggers sampled every second with a baseline, questions after
 * the observation and a recovery window.
 */

export const REQUESTER = 'requester@example.com';
export const LEVELS = 10;
export const TRIGGERS = 20;
export const decider = (level: number) => `decider-${level}@example.com`;

export interface Shape {
  steps: number;
  /** The bake time in seconds (the interval is one second). */
  bakeSeconds: number;
  /** Deciders named by each level (one when absent). */
  actorsPerLevel?: number;
  /** Every text at its longest: title, actor names, Prometheus queries (the history's bytes, not its events). */
  longText?: boolean;
}

export function hostileRequest({
  steps,
  bakeSeconds,
  actorsPerLevel = 1,
  longText = false,
}: Shape): ChangeRequestInput {
  const actors = (level: number) =>
    Array.from({ length: actorsPerLevel }, (_, n) =>
      n === 0 ? decider(level) : `${longText ? 'x'.repeat(100) : 'backup'}-${n}-${decider(level)}`,
    );
  const query = (what: string) =>
    longText ? `sum(rate(${what}[5m])) ${' '.repeat(1900)}/ 1` : `sum(rate(${what}[5m]))`;
  return {
    title: longText
      ? `Worst accepted change ${'t'.repeat(170)}`.slice(0, 200)
      : `Worst accepted change: ${steps} step(s), ${bakeSeconds} s of observation`,
    requestedBy: REQUESTER,
    risk: 'high',
    steps: Array.from({ length: steps }, (_, i) => ({
      id: `requalify-${i}`,
      target: 'lead-data' as const,
      spec: { collection: 'leads', filter: { batch: `b-${i}` }, set: { [`tier${i}`]: 'gold' } },
    })),
    policy: {
      approval: 'required',
      onStepFailure: 'ask',
      escalation: {
        levels: Array.from({ length: LEVELS }, (_, i) => ({
          name: `level-${i}`,
          deciders: { actors: actors(i), groups: [] },
          notify: ['slack:#ops'],
          deadline: '1s',
        })),
        whenExhausted: 'hold',
      },
      locks: { onBusy: 'wait', maxWait: '1d' },
      observe: {
        bakeTime: `${bakeSeconds}s`,
        interval: '1s',
        baselineWindow: '1s',
        recoveryWindow: '1s',
        onTrigger: 'ask',
        onInconclusive: 'ask',
        triggers: Array.from({ length: TRIGGERS }, (_, i) => ({
          name: `errors-${i}`,
          metric: longText
            ? {
                source: 'prometheus' as const,
                query: query(`deliveries_failed_${i}`),
                samplesQuery: query(`deliveries_${i}`),
              }
            : { source: 'lead-events' as const, name: 'error-rate' as const },
          comparison: { kind: 'above' as const, threshold: 0.5 },
          minSamples: 1,
        })),
      },
    },
  };
}

export type NumericKey = 'steps' | 'bakeSeconds' | 'actorsPerLevel';

export const accepted = (shape: Shape) => changeRequestSchema.safeParse(hostileRequest(shape)).success;

/** Grows `key` from `shape` while the request is accepted: the last accepted and the first refused shapes. */
export function largestAccepted(shape: Shape, key: NumericKey, max: number): { worst: Shape; overBudget: Shape } {
  let low = shape[key] ?? 1;
  if (!accepted(shape)) throw new Error(`the starting shape ${JSON.stringify(shape)} is already refused`);
  let high = max;
  if (accepted({ ...shape, [key]: high }))
    throw new Error(`${key} = ${max} still fits the budget: the budget no longer bounds this dimension`);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (accepted({ ...shape, [key]: mid })) low = mid;
    else high = mid;
  }
  return { worst: { ...shape, [key]: low }, overBudget: { ...shape, [key]: high } };
}

export const parsed = (shape: Shape): ChangeRequest =>
  parseOrThrow(changeRequestSchema, hostileRequest(shape), 'change request');

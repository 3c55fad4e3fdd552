import { z } from 'zod';
import { flowIdSchema } from './targets/flow-config';
import { boundedDuration } from './duration';

/** Metrics computed from the platform's own lead events (collection `lead_events`). */
export const leadMetricNames = [
  'error-rate',
  'rejection-rate',
  'acceptance-rate',
  'p95-delivery-latency-ms',
  'revenue-per-lead',
  'compliance-failure-rate',
] as const;

export const metricSchema = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('lead-events'), name: z.enum(leadMetricNames) }),
  z.strictObject({
    source: z.literal('prometheus'),
    /** PromQL giving one value, e.g. `sum(rate(deliveries_failed_total[5m])) / sum(rate(deliveries_total[5m]))`. */
    query: z.string().min(1).max(2000),
    /** PromQL giving the traffic behind the value (for minSamples); without it any value counts as enough. */
    samplesQuery: z.string().min(1).max(2000).optional(),
  }),
]);

/** Absolute thresholds, or relative to the baseline window taken before the change. */
export const comparisonSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('above'), threshold: z.number() }),
  z.strictObject({ kind: z.literal('below'), threshold: z.number() }),
  /** Breach when the value exceeds the baseline by more than this fraction (0.2 = 20%). */
  z.strictObject({ kind: z.literal('increase'), by: z.number().positive().max(100) }),
  /** Breach when the value falls below the baseline by more than this fraction. */
  z.strictObject({ kind: z.literal('decrease'), by: z.number().positive().max(1) }),
]);

export const triggerSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and "-"'),
  metric: metricSchema,
  comparison: comparisonSchema,
  /** Fewer samples than this in an interval is "inconclusive", never a breach. */
  minSamples: z.int().min(1).max(1_000_000).default(20),
  /** How many consecutive breaching intervals fire the trigger. */
  consecutive: z.int().min(1).max(100).default(1),
});

export const observeSchema = z.strictObject({
  /** How long the change stays under observation after its last step is verified. */
  bakeTime: boundedDuration('policy.observe.bakeTime'),
  /** How often metrics are sampled (each sample covers the last interval). */
  interval: boundedDuration('policy.observe.interval'),
  /** The window before the change that relative comparisons compare with. */
  baselineWindow: boundedDuration('policy.observe.baselineWindow').optional(),
  /** Flows whose lead events count; default: the flows the change's steps touch. */
  flows: z.array(flowIdSchema).max(50).optional(),
  triggers: z.array(triggerSchema).min(1).max(20),
  onTrigger: z.enum(['rollback', 'ask']).default('rollback'),
  /** When no trigger ever had enough samples: complete, or ask people. */
  onInconclusive: z.enum(['complete', 'ask']).default('complete'),
  /** After a rollback, metrics are observed again for this long to confirm recovery. */
  recoveryWindow: boundedDuration('policy.observe.recoveryWindow').optional(),
});

export type Trigger = z.infer<typeof triggerSchema>;
export type ObservePolicy = z.infer<typeof observeSchema>;
export type LeadMetricName = (typeof leadMetricNames)[number];

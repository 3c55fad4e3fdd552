import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ErrorType } from '../domain/errors';
import type { TargetKind } from '../domain/targets/index';
import type { Step } from '../domain/status';

// Every activity the workflows call, with its timeouts and retries, is created here and only here:
// what a call costs and how often it is retried is read in one file.

type ActivityProxy = ReturnType<typeof proxyActivities<Activities>>;

/** Failures no retry can fix; adapters also raise them non-retryable, this is the safety net. */
const permanentTypes = [
  ErrorType.InvalidStep,
  ErrorType.TargetNotFound,
  ErrorType.VerificationFailed,
  ErrorType.RecoveryPointMissing,
];

/** HTTP partners fail in ways retrying fixes (5xx, 429, timeouts) and ways it cannot (4xx, credentials). */
const httpPermanentTypes = [
  ...permanentTypes,
  ErrorType.Conflict,
  ErrorType.PartnerRejected,
  ErrorType.PartnerUnauthorized,
  ErrorType.WorkerMisconfigured,
  ErrorType.Irreversible,
];

/**
 * Step activities heartbeat every 2 s while they run (src/activities/keep-alive.ts): when a worker
 * dies, its attempt is retried after this long instead of after the whole start-to-close timeout.
 */
const STEP_HEARTBEAT_TIMEOUT = '10s';

/**
 * A partner API: each attempt may make a few requests of at most ~10 s each; retries back off to
 * 30 s between attempts (a 429's Retry-After overrides the backoff for that attempt) and go on for
 * up to 15 minutes, so a partner failing 30 % of its requests, or down for minutes, is outlasted.
 */
const httpPartnerOptions: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
  scheduleToCloseTimeout: '15m',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: httpPermanentTypes,
  },
};

/** Retry and timeout presets per target kind: a MongoDB write is not a slow partner API. */
export const targetActivityOptions: Record<TargetKind, ActivityOptions> = {
  'flow-config': {
    startToCloseTimeout: '30s',
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
    retry: {
      initialInterval: '200ms',
      backoffCoefficient: 2,
      maximumInterval: '10s',
      maximumAttempts: 8,
      nonRetryableErrorTypes: permanentTypes,
    },
  },
  // Batches of up to ~100 000 leads: long attempts that heartbeat after every chunk, so a dead
  // worker is noticed within the heartbeat timeout and the retry resumes from the last chunk.
  'lead-data': {
    startToCloseTimeout: '2h',
    heartbeatTimeout: '60s',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 10,
      nonRetryableErrorTypes: permanentTypes,
    },
  },
  'mongo-document': {
    startToCloseTimeout: '30s',
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
    retry: {
      initialInterval: '200ms',
      backoffCoefficient: 2,
      maximumInterval: '10s',
      maximumAttempts: 8,
      nonRetryableErrorTypes: permanentTypes,
    },
  },
  crm: httpPartnerOptions,
  webhook: httpPartnerOptions,
};

const stepProxies = Object.fromEntries(
  Object.entries(targetActivityOptions).map(([kind, options]) => [kind, proxyActivities<Activities>(options)]),
) as Record<TargetKind, ActivityProxy>;

/** The step verbs with the step's target-kind retry preset. */
export function stepActivities(step: Step): ActivityProxy {
  return stepProxies[step.target];
}

/** The preset plus a summary naming the step, so the Temporal UI reads without code. */
export function stepOptions(step: Step, verb: string): ActivityOptions {
  return { ...targetActivityOptions[step.target], summary: `${verb} ${step.id} (${step.target})` };
}

/**
 * Whether apply + verify and restore + verify run as one activity each: one round trip through
 * Temporal instead of two per step. Not for `lead-data`: its verbs are long, chunked and resume
 * from heartbeat details, which two verbs in one attempt would mix up. Behind a patch: runs
 * recorded before it replay with two activities.
 */
export function verifiesInTheSameActivity(step: Step): boolean {
  return step.target !== 'lead-data' && patched('verify-in-the-same-activity');
}

/** Bookkeeping activities: reports, stored requests, locks, the floor check. */
const bookkeepingActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
};

export const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

/** The bookkeeping preset with a summary for the Temporal UI. */
export function bookkeepingOptions(summary: string): ActivityOptions {
  return { ...bookkeepingActivityOptions, summary };
}

/** Notifications are short and retried a little; the saga never waits for them (src/workflows/notifier.ts). */
const notifyOptions: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
};
const notifications = proxyActivities<Activities>(notifyOptions);

export function notifyActivity(...args: Parameters<Activities['notify']>): Promise<void> {
  return notifications.notify.executeWithOptions({ ...notifyOptions, summary: `notify ${args[0].event}` }, args);
}

/**
 * One trigger's sample (runs recorded before the history budget). The options are the ones each call
 * has always been scheduled with; the proxy's own retry policy never applied to it.
 */
const sampleMetricOptions: ActivityOptions = { startToCloseTimeout: '30s', retry: { maximumAttempts: 5 } };
const oneSample = proxyActivities<Activities>(sampleMetricOptions);

export function sampleMetric(
  summary: string,
  ...args: Parameters<Activities['sampleMetric']>
): ReturnType<Activities['sampleMetric']> {
  return oneSample.sampleMetric.executeWithOptions({ ...sampleMetricOptions, summary }, args);
}

/** Every trigger of a window in one activity (under the history budget). */
const sampleMetricsOptions: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
};
const allSamples = proxyActivities<Activities>(sampleMetricsOptions);

export function sampleMetrics(
  summary: string,
  ...args: Parameters<Activities['sampleMetrics']>
): ReturnType<Activities['sampleMetrics']> {
  return allSamples.sampleMetrics.executeWithOptions({ ...sampleMetricsOptions, summary }, args);
}

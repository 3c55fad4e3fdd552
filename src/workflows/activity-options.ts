import type { ActivityOptions } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';
import type { TargetKind } from '../domain/targets/index';

/** Failures no retry can fix; adapters also raise them non-retryable, this is the safety net. */
const permanentTypes = [ErrorType.InvalidStep, ErrorType.TargetNotFound, ErrorType.VerificationFailed, ErrorType.RecoveryPointMissing];

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
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: httpPermanentTypes },
};

/** Retry and timeout presets per target kind: a MongoDB write is not a slow partner API. */
export const targetActivityOptions: Record<TargetKind, ActivityOptions> = {
  'flow-config': {
    startToCloseTimeout: '30s',
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8, nonRetryableErrorTypes: permanentTypes },
  },
  // Batches of up to ~100 000 leads: long attempts that heartbeat after every chunk, so a dead
  // worker is noticed within the heartbeat timeout and the retry resumes from the last chunk.
  'lead-data': {
    startToCloseTimeout: '2h',
    heartbeatTimeout: '60s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes: permanentTypes },
  },
  'mongo-document': {
    startToCloseTimeout: '30s',
    heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8, nonRetryableErrorTypes: permanentTypes },
  },
  crm: httpPartnerOptions,
  webhook: httpPartnerOptions,
};

/** Bookkeeping activities (storing the report). */
export const bookkeepingActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
};

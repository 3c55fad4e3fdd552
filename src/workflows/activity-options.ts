import type { ActivityOptions } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';
import type { TargetKind } from '../domain/targets';

/** Failures no retry can fix; adapters also raise them non-retryable, this is the safety net. */
const permanentTypes = [ErrorType.InvalidStep, ErrorType.TargetNotFound, ErrorType.VerificationFailed, ErrorType.RecoveryPointMissing];

/** Retry and timeout presets per target kind: a MongoDB write is not a slow partner API. */
export const targetActivityOptions: Record<TargetKind, ActivityOptions> = {
  'flow-config': {
    startToCloseTimeout: '30s',
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
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8, nonRetryableErrorTypes: permanentTypes },
  },
};

/** Bookkeeping activities (storing the report). */
export const bookkeepingActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
};

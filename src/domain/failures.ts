import { ApplicationFailure } from '@temporalio/common';
import type { ErrorTypeName } from './errors';

/** A failure retrying cannot fix: the workflow gets it at once and decides by policy. */
export function permanent(type: ErrorTypeName, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}

/** A failure worth retrying (the activity's retry policy applies). */
export function transient(type: ErrorTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: false });
}

/**
 * The one list of failure types. Activities raise them as the `type` of an `ApplicationFailure`;
 * the workflow and clients branch on them. Permanent ones are raised non-retryable.
 */
export const ErrorType = {
  /** The step's spec cannot be applied to the target as it is (bad patch path, failed test op). */
  InvalidStep: 'InvalidStepError',
  /** The target does not exist. */
  TargetNotFound: 'TargetNotFoundError',
  /** The target changed under us (optimistic concurrency), or was changed after our apply. */
  Conflict: 'ConflictError',
  /** After apply or restore, the target is not in the state it should be. */
  VerificationFailed: 'VerificationFailedError',
  /** A restore was asked for but the step's recovery point is missing. */
  RecoveryPointMissing: 'RecoveryPointMissingError',
  /** A notification channel refused or did not take the message (non-retryable for 4xx answers). */
  NotificationUndelivered: 'NotificationUndeliveredError',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

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
  /** A partner (CRM, webhook) refused the request with a 4xx other than 429: retrying will not help. */
  PartnerRejected: 'PartnerRejectedError',
  /** A partner refused our credentials (401/403): fix the worker's token or secret. */
  PartnerUnauthorized: 'PartnerUnauthorizedError',
  /** A partner asked us to slow down (429); retried after its Retry-After. */
  PartnerRateLimited: 'PartnerRateLimitedError',
  /** A partner answered 5xx, timed out or dropped the connection; retried with backoff. */
  PartnerUnavailable: 'PartnerUnavailableError',
  /** The worker lacks what a step needs (CRM base URL or token, a named webhook secret). */
  WorkerMisconfigured: 'WorkerMisconfiguredError',
  /** A restore was asked of a step declared irreversible whose forward request was sent. */
  Irreversible: 'IrreversibleStepError',
  /** A stored change request no longer validates (a schema tightened, or the document was edited): none of it runs. */
  InvalidRequest: 'InvalidRequestError',
  /** The operator's policy floor forbids this without approval (e.g. a lead batch over the floor's size). */
  PolicyFloor: 'PolicyFloorError',
  /** A notification channel refused or did not take the message (non-retryable for 4xx answers). */
  NotificationUndelivered: 'NotificationUndeliveredError',
  /**
   * A manual rollback asked of a change that is already rolling back: refused by the update's
   * validator (so it writes no history), and answered `already-requested` by the client.
   */
  RollbackAlreadyRequested: 'RollbackAlreadyRequestedError',
  // Refusals: the types the change workflow's update validators throw (src/workflows/handlers.ts).
  // Nothing was written to the history; clients map them to their errors (src/client/errors.ts).
  /** The caller may not do this: not a decider at the question's level, the requester accepting its own risk, not allowed to roll back. */
  NotAllowed: 'NotAllowedError',
  /** The change has finished (or is finishing): it takes no decisions and no rollback requests. */
  ChangeClosed: 'ChangeClosedError',
  /** The decision names a question that is not open (answered, or never asked). */
  UnknownQuestion: 'UnknownQuestionError',
  /** The change is not where the request fits: no question is asked, the answer does not fit the question, it already holds, or the history budget's repeats are used up. */
  WrongState: 'WrongStateError',
  /** This actor has already given this approval (a risk-high change needs two distinct approvers). */
  AlreadyApproved: 'AlreadyApprovedError',
  /** The decision lacks what it needs (resolved-manually without a comment saying what was done). */
  IncompleteDecision: 'IncompleteDecisionError',
} as const;

/** The refusal types, for callers that tell a refusal from any other failure. */
export const refusalTypes = [
  ErrorType.NotAllowed,
  ErrorType.ChangeClosed,
  ErrorType.UnknownQuestion,
  ErrorType.WrongState,
  ErrorType.AlreadyApproved,
  ErrorType.IncompleteDecision,
  ErrorType.RollbackAlreadyRequested,
] as const;

export type RefusalType = (typeof refusalTypes)[number];

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

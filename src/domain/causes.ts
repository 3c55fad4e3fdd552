/**
 * What ends a run other than a step's own failure: the `type` of the report's `cause`. The
 * workflow sets them, reports and tests read them; a new way for a run to end is added here.
 */
export const CauseType = {
  /** Someone asked for a rollback (update, signal, or a roll-back-later of a finished change). */
  ManualRollback: 'ManualRollback',
  /** The change workflow was cancelled; what was applied is restored anyway. */
  Cancelled: 'Cancelled',
  /** The worker's own floor check refused the request (it reached the worker without the client). */
  PolicyFloorViolated: 'PolicyFloorViolated',
  /** A target was locked by another change and the policy says `onBusy: refuse`. */
  TargetLocked: 'TargetLocked',
  /** A target stayed locked by another change for longer than the policy's `maxWait`. */
  LockTimeout: 'LockTimeout',
  /** A metric trigger fired during the observation window. */
  TriggerFired: 'TriggerFired',
  /** The observation window ended without enough traffic and a person chose to roll back. */
  Inconclusive: 'Inconclusive',
  /** Nobody approved before the last deadline. */
  NotApproved: 'NotApproved',
  /** An approver rejected the change. */
  Rejected: 'Rejected',
  /** An irreversible step was rejected, or not approved in time. */
  IrreversibleStepNotApproved: 'IrreversibleStepNotApproved',
} as const;

export type RunCauseType = (typeof CauseType)[keyof typeof CauseType];

/** A cause the run itself names. */
export interface RunCause {
  type: RunCauseType;
  message: string;
  stepId?: string;
}

/** A step failed and the change rolled back for it: the failure's own type (an ErrorType, or the error's name). */
export interface StepFailedCause {
  stepId: string;
  type?: string;
  message: string;
}

/** Why a change did not complete: the report's `cause`. */
export type ChangeCause = RunCause | StepFailedCause;

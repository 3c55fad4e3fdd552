import type { ChangeRequest, Step } from '../domain/change-request';
import type { TargetKind } from '../domain/targets';
import type { ApplyOutcome, RecoveryPointRef, RestoreOutcome } from '../activities/targets/types';

export type { ChangeRequest, Step, TargetKind, RecoveryPointRef, RestoreOutcome, ApplyOutcome };

/** What the change workflow is started with: a request already validated by the client. */
export interface ChangeWorkflowInput {
  changeId: string;
  request: ChangeRequest;
}

export type ChangePhase = 'applying' | 'rolling-back' | 'completed' | 'rolled-back' | 'rollback-incomplete';

export type StepState =
  | 'pending'
  | 'applying'
  | 'applied'
  | 'failed'
  | 'skipped'
  | 'compensating'
  | 'restored'
  | 'conflict'
  | 'compensation-failed';

export interface StepStatus {
  id: string;
  target: TargetKind;
  state: StepState;
  recoveryPoint?: RecoveryPointRef;
  applied?: ApplyOutcome;
  restore?: RestoreOutcome;
  error?: FailureInfo;
}

export interface FailureInfo {
  type?: string;
  message: string;
}

/** One line of the audit trail. `at` is workflow time (replay-safe). */
export interface TimelineEvent {
  at: string;
  event: string;
  stepId?: string;
  actor?: string;
  detail?: string;
}

export interface ChangeStatus {
  changeId: string;
  title: string;
  phase: ChangePhase;
  steps: StepStatus[];
  timeline: TimelineEvent[];
}

/** The workflow's result, also stored in MongoDB: what happened, what was restored, how fast. */
export interface ChangeReport extends ChangeStatus {
  requestedBy: string;
  startedAt: string;
  finishedAt: string;
  /** The failure that started the rollback, when there was one. */
  cause?: FailureInfo & { stepId: string };
  /** Rollback start → all restores verified, in milliseconds. */
  timeToRecoverMs?: number;
}

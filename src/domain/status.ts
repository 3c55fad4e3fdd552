import type { ChangeRequest, Step } from './change-request';
import type { DecisionName, QuestionKind, RollbackCategory } from './decisions';
import type { FloorRecord } from './policy-floor';
import type { TargetKind } from './targets/index';
import type { ApplyOutcome, RecoveryPointRef, RestoreOutcome, RestorePreview } from './outcomes';
import type { ChangeCause } from './causes';

export type { ChangeRequest, Step, TargetKind, RecoveryPointRef, RestoreOutcome, ApplyOutcome, FloorRecord };

/** What the change workflow is started with: a request already validated by the client. */
export interface ChangeWorkflowInput {
  changeId: string;
  request: ChangeRequest;
}

/** Every phase a change can be in, once: the status query, the list filter and the docs test read it. */
export const changePhases = [
  'awaiting-approval',
  'waiting-for-lock',
  'applying',
  'observing',
  'awaiting-decision',
  'held',
  'rolling-back',
  'completed',
  'rolled-back',
  'rejected',
] as const;

export type ChangePhase = (typeof changePhases)[number];

export const terminalPhases = ['completed', 'rolled-back', 'rejected'] as const satisfies readonly ChangePhase[];

/** Every state a step can be in (the status query's `steps[].state`). */
export const stepStates = [
  'pending',
  'applying',
  'applied',
  'failed',
  'skipped',
  'compensating',
  'restored',
  'conflict',
  'compensation-failed',
] as const;

export type StepState = (typeof stepStates)[number];

export interface StepStatus {
  id: string;
  target: TargetKind;
  state: StepState;
  recoveryPoint?: RecoveryPointRef;
  applied?: ApplyOutcome;
  restore?: RestoreOutcome;
  error?: FailureInfo;
  /** When a failed compensation was resolved by a person instead of a restore. */
  resolvedManually?: { actor: string; comment?: string; at: string };
  /** Workflow times of the step's apply and compensation (for the report's Gantt chart). */
  timings?: StepTimings;
}

export interface StepTimings {
  applyStartedAt?: string;
  appliedAt?: string;
  compensationStartedAt?: string;
  compensatedAt?: string;
}

/** The times that matter when a change is rolled back: detection → rollback start → restored → validated. */
export interface RecoveryTimes {
  /** The step failure, the trigger that fired, or the manual request. */
  detectedAt: string;
  rollbackStartedAt: string;
  /**
   * Every compensation ended: each step's last restore attempt finished (restored, conflicted or
   * failed) or, for a step resolved by hand, the person's answer came (see `resolvedManuallyAt`).
   */
  restoredAt: string;
  /** The last restore attempt of any step finished (the machine's part, without the wait for a person). */
  lastRestoreAt?: string;
  /** The last resolution by hand, when a compensation needed one. */
  resolvedManuallyAt?: string;
  /** Time the compensations waited on people (retry or resolve-by-hand questions), parallel waits counted once. */
  waitedOnPeopleMs?: number;
  /** Targets re-read against their recovery points, and metrics re-observed when configured. */
  validatedAt?: string;
  /** detectedAt → validatedAt (or restoredAt without validation), in milliseconds; `waitedOnPeopleMs` of it waiting on people. */
  timeToRecoverMs: number;
  /** Where `timeToRecoverMs` ends: at the validation, or at the last compensation when there was none. */
  measuredTo?: 'validated' | 'restored';
}

/** What a rollback of a change would do, per step, without doing it. */
/** What a rollback of a change would do, per target (newest step first), without doing it. */
export interface RollbackPreview {
  changeId: string;
  steps: ({ stepId: string; target: TargetKind } & RestorePreview)[];
}

/** Roll back a finished change later, from its kept recovery points (conflicts reported, not overwritten). */
export interface RollbackLaterInput {
  /** The change to roll back. */
  changeId: string;
  /** Id of this rollback (its own workflow and report). */
  rollbackId: string;
  requestedBy: string;
  reason: string;
  category: RollbackCategory;
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

/** A question waiting for a decision: what is asked, at which level, who may answer, until when. */
export interface PendingQuestion {
  id: string;
  kind: QuestionKind;
  stepId?: string;
  prompt: string;
  options: DecisionName[];
  level: number;
  mode: 'escalate' | 'hold';
  approvalsNeeded: number;
  askedAt: string;
  /** Absent while holding (no deadline). */
  deadline?: string;
  mayDecide: { level: string; actors: string[]; groups: string[] }[];
}

export interface AcceptedDecision {
  questionId: string;
  kind: QuestionKind;
  stepId?: string;
  decision: DecisionName;
  actor: string;
  comment?: string;
  level: number;
  at: string;
}

export interface RollbackRequestRecord {
  actor: string;
  reason: string;
  category: RollbackCategory;
  at: string;
}

export interface ChangeStatus {
  changeId: string;
  title: string;
  phase: ChangePhase;
  steps: StepStatus[];
  pendingDecisions: PendingQuestion[];
  decisions: AcceptedDecision[];
  rollbackRequest?: RollbackRequestRecord;
  /** The operator's policy floor the worker checked this change against (absent for runs older than the floor). */
  floor?: FloorRecord;
  timeline: TimelineEvent[];
}

/** The workflow's result, also stored in MongoDB: what happened, what was restored, how fast. */
export interface ChangeReport extends ChangeStatus {
  requestedBy: string;
  startedAt: string;
  finishedAt: string;
  /** What started the rollback: a failed step, a decision, a manual request or a cancellation. */
  cause?: ChangeCause;
  /** Detection → every target restored and verified (and validated, when configured), in milliseconds. */
  timeToRecoverMs?: number;
  recovery?: RecoveryTimes;
  cancelled?: boolean;
  /** The observation window after the last step, when the policy has one. */
  observation?: ObservationReport;
  /** The trigger that fired, with the values that made it fire. */
  trigger?: TriggerReport;
  /** Post-rollback validation: targets re-read against their recovery points, metrics re-observed. */
  validation?: ValidationReport;
  /** For a rollback run later: the change it rolls back. */
  rollsBack?: string;
}

export interface MetricSampleRecord {
  at: string;
  trigger: string;
  value: number | null;
  samples: number | null;
  verdict: 'breach' | 'healthy' | 'inconclusive';
  reason: string;
}

export interface ObservationReport {
  startedAt: string;
  endedAt?: string;
  outcome: 'healthy' | 'fired' | 'inconclusive' | 'interrupted';
  /** Baseline per trigger, from the window before the change. */
  baselines: { trigger: string; value: number | null; samples: number | null; from: string; to: string }[];
  /** Every sample taken (capped at 500). */
  samples: MetricSampleRecord[];
}

export interface TriggerReport {
  name: string;
  /** `lead-events: acceptance-rate` or the PromQL query. */
  metric: string;
  comparison: string;
  value: number | null;
  baseline?: number | null;
  samples: number | null;
  consecutive: number;
  firedAt: string;
}

export interface ValidationReport {
  ok: boolean;
  validatedAt: string;
  targets: {
    stepId: string;
    target: TargetKind;
    ok: boolean;
    recoveryPointChecksum?: string;
    /** Set for a step whose compensation a person resolved by hand: its restore's writes are checked all the same. */
    resolvedManually?: { actor: string; at: string };
    detail: string;
  }[];
  metrics?: MetricSampleRecord[];
}

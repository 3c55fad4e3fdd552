import type { ChangeRequest, Step } from './change-request';
import type { TargetKind } from './targets/index';
import type { ApplyOutcome, RestoreOutcome } from './outcomes';

/**
 * A rehearsal runs a change's apply → rollback → verify against sandbox targets (copies of the
 * affected MongoDB documents in a rehearsal database, a sandbox CRM and the partners' sandboxes when
 * configured) and reports whether the rollback restores exactly, while production is only read.
 */
export interface RehearsalInput {
  /** Id of this rehearsal: its workflow id, and the change id the sandbox run is keyed by. */
  rehearsalId: string;
  /** Rehearse a stored change (its validated request is loaded)… */
  changeId?: string;
  /** …or a request that has not run yet (validated by the client). */
  request?: ChangeRequest;
}

export interface FailureNote {
  type?: string;
  message: string;
}

/** What `prepareRehearsal` found for one step, before anything ran in the sandbox. */
export interface PreparedStep {
  stepId: string;
  target: TargetKind;
  /** Why the step cannot be rehearsed here (no sandbox for its kind); absent when it can. */
  notRehearsed?: string;
  /** Sandbox copies of the MongoDB documents the step touches: how many, and the checksum of what is compared. */
  sandbox?: { documents: number; exactChecksum: string };
  /** Checksum of the production documents, read-only; absent for targets outside MongoDB. */
  productionChecksum?: string;
}

/** What happened to one step in the sandbox. */
export interface SandboxRun {
  applied?: ApplyOutcome;
  applyError?: FailureNote;
  restore?: RestoreOutcome;
  restoreError?: FailureNote;
  /** Why the adapter's check of the restore (verifyRestore) failed, when it did. */
  verifyProblem?: string;
  /** Operations the adapter's preview still finds between the sandbox and the recovery point after the restore. */
  remainingOperations?: number;
  /** Not applied because an earlier step failed in the sandbox (as the real change would stop there). */
  notReached?: boolean;
}

/** Checksums read again after the rollback, for steps with MongoDB documents. */
export interface StepComparison {
  stepId: string;
  sandboxExactChecksum?: string;
  productionChecksum?: string;
}

export type RehearsalOutcome = 'exact' | 'differs' | 'not-rehearsed';

export interface StepRehearsal {
  stepId: string;
  target: TargetKind;
  outcome: RehearsalOutcome;
  /** Why, in a sentence: what was compared, what differs, or why the step was not rehearsed. */
  detail: string;
  applied?: ApplyOutcome;
  applyError?: FailureNote;
  restore?: RestoreOutcome;
  restoreError?: FailureNote;
  sandbox?: { documents: number; before: string; after?: string };
  /** `untouched`: read before and after, equal; `changed`: someone or something wrote it meanwhile; `not-read`: not in MongoDB. */
  production: 'untouched' | 'changed' | 'not-read';
}

/** The rehearsal's result, also stored in the rehearsal database (`rehearsal_reports`). */
export interface RehearsalReport {
  rehearsalId: string;
  changeId?: string;
  title: string;
  requestedBy: string;
  startedAt: string;
  finishedAt: string;
  /** Every rehearsed step restored exactly (steps without a sandbox are listed, not counted). */
  exact: boolean;
  /** No production document a step names changed during the rehearsal. */
  productionUntouched: boolean;
  /** The first step whose apply failed in the sandbox: the real change would be rolled back there too. */
  applyFailed?: { stepId: string; error: FailureNote };
  steps: StepRehearsal[];
}

/** Input of the sandbox step activities. */
export interface RehearsalStepInput {
  rehearsalId: string;
  step: Step;
}

/** The workflow id of a rehearsal. */
export const rehearsalWorkflowId = (rehearsalId: string) => `rehearsal-${rehearsalId}`;
export const REHEARSAL_WORKFLOW_TYPE = 'rehearsalWorkflow';

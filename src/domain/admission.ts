import type { ChangePhase, ChangeStatus, PendingQuestion } from './status';
import type { FloorRecord } from './policy-floor';

/**
 * What a change does first, told to whoever starts it in the same call: it was accepted and is
 * applying, it asks for approval (the question, its level, who may answer, until when), it waits
 * for a target another change holds, or it ended rejected (below the operator's floor, targets
 * busy) — instead of the caller polling the status to find out.
 */
export interface ChangeAdmission {
  phase: ChangePhase;
  /** The questions open at that moment (the approval question when it asks for approval first). */
  pendingDecisions: PendingQuestion[];
  /** Why it stands there, when the change said so: the floor's refusal, the change holding the target. */
  detail?: string;
  /** The operator's floor the worker checked the change against. */
  floor?: FloorRecord;
}

/** The admission as a status shows it; the workflow and the client (for an existing change) share it. */
export function admissionOf(status: ChangeStatus): ChangeAdmission {
  const reason = [...status.timeline]
    .reverse()
    .find(
      (e) =>
        e.event === `phase: ${status.phase}` || (status.phase === 'waiting-for-lock' && e.event === 'waiting for lock'),
    );
  return {
    phase: status.phase,
    pendingDecisions: status.pendingDecisions,
    ...(reason?.detail ? { detail: reason.detail } : {}),
    ...(status.floor ? { floor: status.floor } : {}),
  };
}

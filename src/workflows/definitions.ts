import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import type { ChangeAdmission } from '../domain/admission';
import type { ChangeStatus } from '../domain/status';

/**
 * Every message the change workflow answers, defined once. Clients, CLI, chat ops and tests import
 * these objects instead of naming strings.
 */
export const statusQuery = defineQuery<ChangeStatus>('status');

/** A decision (approve, reject, retry, skip, rollback, hold, retry-compensation, resolved-manually). */
export const decisionSignal = defineSignal<[DecisionInput]>('decision');
/** The same as an update: the caller learns at once whether its decision was accepted. */
export const decisionUpdate = defineUpdate<DecisionOutcome, [DecisionInput]>('decide');

/** A manual rollback request, with who asks, why and a reason category. */
export const rollbackSignal = defineSignal<[RollbackRequest]>('rollback');
export const rollbackUpdate = defineUpdate<RollbackRequestOutcome, [RollbackRequest]>('requestRollback');

/**
 * What the change does first (applying, asking for approval, waiting for a lock, rejected): it
 * answers once the change has got that far, so a client that starts a change learns it in the
 * same call. Sent once per change, by the client that created it.
 */
export const admissionUpdate = defineUpdate<ChangeAdmission>('admission');

/** The workflow id of a change: derived, so a change id always finds its workflow. */
export function changeWorkflowId(changeId: string): string {
  return `change-${changeId}`;
}

export const CHANGE_WORKFLOW_TYPE = 'changeWorkflow';

/** Workflow ids of the other workflow types, also derived from ids so they are idempotent. */
export const previewWorkflowId = (changeId: string, nonce: string) => `preview-${changeId}-${nonce}`;
/**
 * A rollback later is a change of its own: its workflow id is a change's, so every read and
 * decision on changes (status, decide, report, list) reaches it by its rollback id.
 */
export const rollbackLaterWorkflowId = (rollbackId: string) => changeWorkflowId(rollbackId);

export const ROLLBACK_LATER_WORKFLOW_TYPE = 'rollbackLaterWorkflow';
export const PREVIEW_WORKFLOW_TYPE = 'previewRollbackWorkflow';

import type { WorkflowExecutionInfo } from '@temporalio/client';
import {
  ChangeIdKey,
  ChangeStatusKey,
  EscalationLevelKey,
  RequestedByKey,
  TargetsKey,
} from '../workflows/search-attributes';
import type { ChangePhase } from '../domain/status';

/** A change as visibility shows it: enough for lists and for checks that need no query. */
export interface ChangeSummary {
  changeId: string;
  workflowId: string;
  title?: string;
  /** For the rollback of a finished change later: the change it rolls back. */
  rollsBack?: string;
  /** The `ChangeStatus` search attribute (eventually consistent with the status query). */
  phase?: ChangePhase;
  targets: string[];
  requestedBy?: string;
  escalationLevel?: number;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, … */
  executionStatus: string;
  startedAt: string;
  closedAt?: string;
}

export function summaryFromExecution(
  info: Pick<
    WorkflowExecutionInfo,
    'workflowId' | 'typedSearchAttributes' | 'memo' | 'status' | 'startTime' | 'closeTime'
  >,
): ChangeSummary {
  const attributes = info.typedSearchAttributes;
  const title = info.memo?.title;
  const rollsBack = info.memo?.rollsBack;
  return {
    changeId: attributes.get(ChangeIdKey) ?? info.workflowId.replace(/^change-/, ''),
    workflowId: info.workflowId,
    ...(typeof title === 'string' ? { title } : {}),
    ...(typeof rollsBack === 'string' ? { rollsBack } : {}),
    phase: attributes.get(ChangeStatusKey) as ChangePhase | undefined,
    targets: attributes.get(TargetsKey) ?? [],
    requestedBy: attributes.get(RequestedByKey),
    escalationLevel: attributes.get(EscalationLevelKey),
    executionStatus: info.status.name,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString(),
  };
}

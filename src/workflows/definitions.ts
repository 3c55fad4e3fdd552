import { defineQuery } from '@temporalio/workflow';
import type { ChangeStatus } from './types';

/**
 * Every message the change workflow answers, defined once. Clients, CLI, chat ops and tests import
 * these objects instead of naming strings.
 */
export const statusQuery = defineQuery<ChangeStatus>('status');

/** The workflow id of a change: derived, so a change id always finds its workflow. */
export function changeWorkflowId(changeId: string): string {
  return `change-${changeId}`;
}

export const CHANGE_WORKFLOW_TYPE = 'changeWorkflow';

import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { changeIdSchema, changeRequestSchema, type ChangeRequest } from '../domain/change-request';
import { parseOrThrow } from '../domain/validation';
import { changeWorkflowId, statusQuery } from '../workflows/definitions';
import { ChangeIdKey, ChangeStatusKey, EscalationLevelKey, RequestedByKey, TargetsKey } from '../workflows/search-attributes';
import type { changeWorkflow } from '../workflows/change';
import type { ChangeReport, ChangeStatus } from '../workflows/types';

export interface StartedChange {
  changeId: string;
  workflowId: string;
  /** False when a change with this id already existed and was returned instead. */
  created: boolean;
}

/**
 * Typed client for changes. Input is validated with the same schemas the HTTP API publishes, so a
 * bad request is refused (ValidationError naming each field) before any workflow starts.
 */
export class ChangeClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Starts a change. Starting again with the same change id returns the existing change. */
  async start(request: unknown, options: { changeId: string }): Promise<StartedChange> {
    const changeId = parseOrThrow(changeIdSchema, options.changeId, 'change id');
    const valid: ChangeRequest = parseOrThrow(changeRequestSchema, request, 'change request');
    const workflowId = changeWorkflowId(changeId);
    try {
      await this.client.workflow.start<typeof changeWorkflow>('changeWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ changeId, request: valid }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `${valid.title} — ${valid.steps.length} step(s), risk ${valid.risk}`,
        staticDetails: `Requested by **${valid.requestedBy}**.\n\n${valid.steps.map((s) => `- \`${s.id}\` on ${s.target}${s.description ? `: ${s.description}` : ''}`).join('\n')}`,
        typedSearchAttributes: [
          { key: ChangeIdKey, value: changeId },
          { key: ChangeStatusKey, value: 'applying' },
          { key: TargetsKey, value: [...new Set(valid.steps.map((s) => s.target))] },
          { key: RequestedByKey, value: valid.requestedBy },
          { key: EscalationLevelKey, value: 0 },
        ],
      });
      return { changeId, workflowId, created: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { changeId, workflowId, created: false };
      throw err;
    }
  }

  status(changeId: string): Promise<ChangeStatus> {
    return this.client.workflow.getHandle(changeWorkflowId(changeId)).query(statusQuery);
  }

  /** Waits for the change to settle and returns its report. */
  result(changeId: string): Promise<ChangeReport> {
    return this.client.workflow.getHandle<typeof changeWorkflow>(changeWorkflowId(changeId)).result();
  }
}

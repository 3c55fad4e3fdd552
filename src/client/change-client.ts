import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { changeIdSchema, changeRequestSchema, type ChangeRequest } from '../domain/change-request';
import { decisionInputSchema, rollbackRequestSchema } from '../domain/decision-schemas';
import type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import { parseOrThrow } from '../domain/validation';
import type { changeWorkflow } from '../workflows/change';
import { changeWorkflowId, decisionSignal, decisionUpdate, rollbackUpdate, statusQuery } from '../workflows/definitions';
import { ChangeIdKey, ChangeStatusKey, EscalationLevelKey, RequestedByKey, TargetsKey } from '../workflows/search-attributes';
import type { ChangeReport, ChangeStatus } from '../workflows/types';
import { ChangeClosedError, ChangeNotFoundError, RequestRefusedError } from './errors';

export interface StartedChange {
  changeId: string;
  workflowId: string;
  /** False when a change with this id already existed and was returned instead. */
  created: boolean;
}

/**
 * Typed client for changes. Input is validated with the same schemas the HTTP API publishes, so a
 * bad request is refused (ValidationError naming each field) before any workflow starts or is
 * signalled. Errors are typed: ChangeNotFoundError, RequestRefusedError, ChangeClosedError.
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
          { key: ChangeStatusKey, value: valid.policy.approval === 'required' ? 'awaiting-approval' : 'applying' },
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

  async status(changeId: string): Promise<ChangeStatus> {
    return this.call(changeId, () => this.handle(changeId).query(statusQuery));
  }

  /** Waits for the change to settle and returns its report. */
  async result(changeId: string): Promise<ChangeReport> {
    return this.call(changeId, () => this.handle(changeId).result());
  }

  /** Sends a decision and returns the workflow's verdict (accepted, or partial for a first of two approvals). */
  async decide(changeId: string, decision: DecisionInput): Promise<DecisionOutcome> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    return this.call(changeId, () => this.handle(changeId).executeUpdate(decisionUpdate, { args: [input] }));
  }

  /** Sends a decision as a signal: kept by the workflow even when it is not asking yet. */
  async signalDecision(changeId: string, decision: DecisionInput): Promise<void> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    await this.call(changeId, () => this.handle(changeId).signal(decisionSignal, input));
  }

  /** Asks for a manual rollback; a second request is a no-op (`already-requested`). */
  async requestRollback(changeId: string, request: RollbackRequest): Promise<RollbackRequestOutcome> {
    const input = parseOrThrow(rollbackRequestSchema, request, 'rollback request');
    return this.call(changeId, () => this.handle(changeId).executeUpdate(rollbackUpdate, { args: [input] }));
  }

  private handle(changeId: string) {
    return this.client.workflow.getHandle<typeof changeWorkflow>(changeWorkflowId(parseOrThrow(changeIdSchema, changeId, 'change id')));
  }

  private async call<T>(changeId: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RequestRefusedError(changeId, err.cause?.message ?? err.message);
      // Updates and signals to a finished workflow also fail as "not found": tell the two apart.
      if (err instanceof WorkflowNotFoundError) throw (await this.exists(changeId)) ? new ChangeClosedError(changeId) : new ChangeNotFoundError(changeId);
      throw err;
    }
  }

  private async exists(changeId: string): Promise<boolean> {
    try {
      await this.handle(changeId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}

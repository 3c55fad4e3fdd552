import { ApplicationFailure } from '@temporalio/common';
import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { checksum } from '../domain/canonical';
import { ErrorType } from '../domain/errors';
import { historyBudgetIssues } from '../domain/history-budget';
import { changeIdSchema, changeRequestSchema, type ChangeRequest } from '../domain/change-request';
import { decisionInputSchema, rollbackRequestSchema } from '../domain/decision-schemas';
import type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import { parseOrThrow, ValidationError } from '../domain/validation';
import type { changeWorkflow } from '../workflows/change';
import { admissionOf, type ChangeAdmission } from '../domain/admission';
import {
  admissionUpdate,
  changeWorkflowId,
  decisionSignal,
  decisionUpdate,
  rollbackUpdate,
  statusQuery,
} from '../workflows/definitions';
import {
  ChangeIdKey,
  ChangeStatusKey,
  EscalationLevelKey,
  RequestedByKey,
  TargetsKey,
} from '../workflows/search-attributes';
import type { ChangeReport, ChangeStatus } from '../domain/status';
import { callChange, changeHandle } from './change-calls';
import { listChanges, type ChangePage } from './change-page';
import type { ListFilter } from './change-query';
import { summaryFromExecution, type ChangeSummary } from './change-summary';
import { ChangeIdConflictError } from './errors';
import { noGuard, type RequestGuard } from './request-guard';

export interface StartedChange {
  changeId: string;
  workflowId: string;
  /** False when a change with this id already existed and was returned instead. */
  created: boolean;
  /**
   * What the change does first — applying, asking for approval, waiting for a lock, rejected — as
   * the workflow answered within the client's admission wait; absent when no worker answered in
   * time (the change is started all the same and goes on when a worker picks it up).
   */
  admission?: ChangeAdmission;
}

/** How long `start` waits for the workflow to say what it does first, by default. */
export const ADMISSION_WAIT_MS = 10_000;

/**
 * Changes on one task queue: start, read (status, describe, list, result) and steer them
 * (decisions, rollback requests). Everything here talks to Temporal only.
 */
export class Changes {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** The operator's checks on top of the schemas (partners, allow-lists, policy floor). */
    private readonly guard: RequestGuard = noGuard,
    /** How long `start` waits for the admission; 0 returns as soon as the workflow is started. */
    private readonly admissionWaitMs: number = ADMISSION_WAIT_MS,
  ) {}

  /**
   * Starts a change. Starting again with the same change id returns the existing change — running
   * or finished, never a second workflow — or throws ChangeIdConflictError when that change was
   * started with a different request. The answer says what the change does first (`admission`):
   * after starting it, one update waits for the workflow to get that far (its floor check, its
   * approval question or lock wait); a change that existed is read with the status query instead,
   * so retries add nothing to its history.
   */
  async start(request: unknown, options: { changeId: string }): Promise<StartedChange> {
    const changeId = parseOrThrow(changeIdSchema, options.changeId, 'change id');
    const parsed: ChangeRequest = parseOrThrow(changeRequestSchema, request, 'change request');
    const issues = await this.guard.check(parsed);
    if (issues.length > 0) throw new ValidationError('change request', issues);
    const valid = (await this.guard.tighten?.(parsed)) ?? parsed;
    // The operator's floor may add levels or questions: the request as it will run must still fit the history budget.
    const over = valid === parsed ? [] : historyBudgetIssues(valid);
    if (over.length > 0) throw new ValidationError('change request', over);
    const workflowId = changeWorkflowId(changeId);
    // Of the request as sent: a retry is the same request even if tightening it now comes out
    // differently (a lead selection that grew past the floor's size since the first try).
    const requestChecksum = checksum(parsed);
    try {
      await this.client.workflow.start<typeof changeWorkflow>('changeWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ changeId, request: valid }],
        // FAIL + REJECT_DUPLICATE: any existing change with this id, running or closed, is reported
        // as already started, so `created` is truthful and a finished change is never run again.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { title: valid.title, requestChecksum },
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
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await this.client.workflow.getHandle(workflowId).describe();
      const stored = existing.memo?.requestChecksum;
      if (typeof stored === 'string' && stored !== requestChecksum) throw new ChangeIdConflictError(changeId);
      return this.withAdmission({ changeId, workflowId, created: false });
    }
    return this.withAdmission({ changeId, workflowId, created: true });
  }

  /**
   * The started change with what it does first, as the workflow answered within the wait: the
   * admission update for the one this call created, the status query for one that existed (so
   * retries write nothing to its history). Without an answer in time (no worker, or one older than
   * the admission update) it comes back without `admission`: never an error, it is started either
   * way. A rollback later uses it too.
   */
  async withAdmission<S extends StartedChange>(started: S, options: { handlersLate?: boolean } = {}): Promise<S> {
    if (this.admissionWaitMs <= 0) return started;
    const handle = changeHandle(this.client, started.changeId);
    const read = async (): Promise<ChangeAdmission> => {
      if (!started.created) return admissionOf(await handle.query(statusQuery));
      // A workflow that registers its handlers after its first activities (a rollback later loads
      // the change first) would reject an update sent before: wait until its status answers.
      if (options.handlersLate) await untilHandlersRegistered(() => handle.query(statusQuery));
      return handle.executeUpdate(admissionUpdate);
    };
    try {
      const admission = await this.client.withDeadline(Date.now() + this.admissionWaitMs, read);
      return { ...started, admission };
    } catch {
      return started;
    }
  }

  async status(changeId: string): Promise<ChangeStatus> {
    return callChange(this.client, changeId, () => changeHandle(this.client, changeId).query(statusQuery));
  }

  /** The change as visibility shows it (search attributes, execution status), without a query. */
  async describe(changeId: string): Promise<ChangeSummary> {
    return callChange(this.client, changeId, async () =>
      summaryFromExecution(await changeHandle(this.client, changeId).describe()),
    );
  }

  /** Changes on this task queue, newest first, narrowed by status, target kind and requester. */
  async list(filter: ListFilter = {}): Promise<ChangePage> {
    return listChanges(this.client, this.taskQueue, filter);
  }

  /** Waits for the change to settle and returns its report. */
  async result(changeId: string): Promise<ChangeReport> {
    return callChange(this.client, changeId, () => changeHandle(this.client, changeId).result());
  }

  /**
   * Sends a decision and returns the workflow's verdict (accepted, or partial for a first of two
   * approvals): one round trip. The update's validator judges it first (src/workflows/decision-rules.ts)
   * and a refusal writes nothing to the history: it comes back as NotAllowedError (not a decider at
   * the question's level, the requester accepting its own change's risk), ChangeClosedError, or
   * RequestRefusedError (no such question, wrong answer, already approved).
   */
  async decide(changeId: string, decision: DecisionInput): Promise<DecisionOutcome> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    return callChange(this.client, changeId, () =>
      changeHandle(this.client, changeId).executeUpdate(decisionUpdate, { args: [input] }),
    );
  }

  /** Sends a decision as a signal: kept by the workflow even when it is not asking yet. */
  async signalDecision(changeId: string, decision: DecisionInput): Promise<void> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    await callChange(this.client, changeId, () => changeHandle(this.client, changeId).signal(decisionSignal, input));
  }

  /** Asks for a manual rollback; a second request is a no-op (`already-requested`). */
  async requestRollback(changeId: string, request: RollbackRequest): Promise<RollbackRequestOutcome> {
    const input = parseOrThrow(rollbackRequestSchema, request, 'rollback request');
    return callChange(this.client, changeId, async () => {
      try {
        return await changeHandle(this.client, changeId).executeUpdate(rollbackUpdate, { args: [input] });
      } catch (err) {
        // The workflow refuses repeats without writing them down (see workflows/handlers.ts).
        if (
          err instanceof WorkflowUpdateFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === ErrorType.RollbackAlreadyRequested
        ) {
          return { status: 'already-requested' as const };
        }
        throw err;
      }
    });
  }

  /**
   * Runs `fn` with every Temporal call it makes tied to `signal`: aborting cancels the calls still in
   * flight (chat ops stop waiting after Slack's deadline instead of leaving calls behind).
   */
  withAbortSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    return this.client.withAbortSignal(signal, fn);
  }
}

/** Queries until the workflow has registered its handlers; the caller's deadline bounds the wait. */
async function untilHandlersRegistered(query: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await query();
      return;
    } catch (err) {
      if (!(err instanceof QueryNotRegisteredError)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

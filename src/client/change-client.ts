import { ApplicationFailure } from '@temporalio/common';
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
// The public list iterator hides page tokens; this SDK helper (pinned version) decodes raw pages the same way.
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { Db } from 'mongodb';
import { addRootCauseNote, reportsCollection } from '../store/reports';
import { checksum } from '../domain/canonical';
import { ErrorType } from '../domain/errors';
import { historyBudgetIssues } from '../domain/history-budget';
import { changeIdSchema, changeRequestSchema, type ChangeRequest, type ChangeRequestInput } from '../domain/change-request';
import { decisionInputSchema, rollbackRequestSchema } from '../domain/decision-schemas';
import type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import { rootCauseInputSchema, type ReportAnnotations, type RootCauseInput, type RootCauseNote } from '../domain/root-cause';
import { parseOrThrow, ValidationError } from '../domain/validation';
import type { changeWorkflow } from '../workflows/change';
import { changeWorkflowId, decisionSignal, decisionUpdate, rollbackUpdate, statusQuery } from '../workflows/definitions';
import { ChangeIdKey, ChangeStatusKey, EscalationLevelKey, RequestedByKey, TargetsKey } from '../workflows/search-attributes';
import { terminalPhases, type ChangeReport, type ChangeStatus, type PendingQuestion } from '../domain/status';
import { changeListQuery, listFilterSchema, type ListFilter } from './change-query';
import { summaryFromExecution, type ChangeSummary } from './change-summary';
import { judgeDecision } from './decision-check';
import { ChangeClosedError, ChangeIdConflictError, ChangeNotFoundError, NotAllowedError, ReportNotAvailableError, RequestRefusedError } from './errors';
import { refusal } from './refusals';
import type { RehearsalReport } from '../domain/rehearsal';
import { RehearsalClient, type RehearsalSubject, type StartedRehearsal } from './rehearsals';
import { noGuard, type RequestGuard } from './request-guard';
import { restoreFlowRequest, type RestoreFlowOptions, type RestoreTargetInput } from './restore-flow';

export interface StartedChange {
  changeId: string;
  workflowId: string;
  /** False when a change with this id already existed and was returned instead. */
  created: boolean;
}

export interface ChangePage {
  changes: ChangeSummary[];
  /** Pass to the next `list` call; absent on the last page. */
  nextPageToken?: string;
}

/** A settled change's report with what people added to it afterwards (root-cause notes). */
export type AnnotatedReport = ChangeReport & ReportAnnotations;

/** The notes of a report after a root-cause note was attached: the latest, and every note so far. */
export interface RootCauseResult {
  changeId: string;
  rootCause: RootCauseNote;
  rootCauseHistory: RootCauseNote[];
}

export interface ChangeClientOptions {
  /** Where stored reports are read from (`change_reports`); without it reports come from workflow results. */
  db?: Db;
  /** The operator's checks on top of the schemas (partners, allow-lists, policy floor); default none. */
  guard?: RequestGuard;
}

/**
 * Typed client for changes. Input is validated with the same schemas the HTTP API publishes, so a
 * bad request is refused (ValidationError naming each field) before any workflow starts or is
 * signalled. Errors are typed: ChangeNotFoundError, RequestRefusedError (NotAllowedError when it is
 * about who asks), ChangeClosedError, ChangeIdConflictError, ReportNotAvailableError.
 */
export class ChangeClient {
  private readonly rehearsals: RehearsalClient;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly options: ChangeClientOptions = {},
  ) {
    this.rehearsals = new RehearsalClient(client, taskQueue, options.guard);
  }

  /**
   * Starts a change. Starting again with the same change id returns the existing change — running
   * or finished, never a second workflow — or throws ChangeIdConflictError when that change was
   * started with a different request.
   */
  async start(request: unknown, options: { changeId: string }): Promise<StartedChange> {
    const changeId = parseOrThrow(changeIdSchema, options.changeId, 'change id');
    const parsed: ChangeRequest = parseOrThrow(changeRequestSchema, request, 'change request');
    const guard = this.options.guard ?? noGuard;
    const issues = await guard.check(parsed);
    if (issues.length > 0) throw new ValidationError('change request', issues);
    const valid = (await guard.tighten?.(parsed)) ?? parsed;
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
      return { changeId, workflowId, created: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await this.client.workflow.getHandle(workflowId).describe();
      const stored = existing.memo?.requestChecksum;
      if (typeof stored === 'string' && stored !== requestChecksum) throw new ChangeIdConflictError(changeId);
      return { changeId, workflowId, created: false };
    }
  }

  /**
   * Starts a change that restores a flow's configuration to an earlier version, or to the one in
   * force at a moment. It is a change like any other — policy, approval, recovery point, report —
   * so it can be rolled back in turn; the version it writes records which version it restores and
   * which changes it undoes.
   */
  async restoreFlow(flowId: string, restoreTo: RestoreTargetInput, options: RestoreFlowOptions & { changeId: string }): Promise<StartedChange> {
    const { changeId, ...rest } = options;
    return this.start(restoreFlowRequest(flowId, restoreTo, rest), { changeId });
  }

  /**
   * Starts a rehearsal of a stored change (by id) or of a request that has not run: its steps are
   * applied, rolled back and compared in the sandbox; production is only read. Starting again with
   * the same rehearsal id returns the existing rehearsal.
   */
  async startRehearsal(subject: RehearsalSubject, options: { rehearsalId: string }): Promise<StartedRehearsal> {
    if ('changeId' in subject) await this.describe(subject.changeId);
    return this.rehearsals.start(subject, options);
  }

  /** Rehearses a change request, or a stored change when given its id, and waits for the report. */
  async rehearse(subject: ChangeRequestInput | string, options: { rehearsalId: string }): Promise<RehearsalReport> {
    const started = await this.startRehearsal(typeof subject === 'string' ? { changeId: subject } : { request: subject }, options);
    return this.rehearsals.result(started.rehearsalId);
  }

  /** A finished rehearsal's report (RehearsalNotAvailableError while it runs or when it could not finish). */
  async rehearsal(rehearsalId: string): Promise<RehearsalReport> {
    return this.rehearsals.report(rehearsalId);
  }

  /** Waits for a rehearsal to finish and returns its report. */
  async rehearsalResult(rehearsalId: string): Promise<RehearsalReport> {
    return this.rehearsals.result(rehearsalId);
  }

  async status(changeId: string): Promise<ChangeStatus> {
    return this.call(changeId, () => this.handle(changeId).query(statusQuery));
  }

  /** The change as visibility shows it (search attributes, execution status), without a query. */
  async describe(changeId: string): Promise<ChangeSummary> {
    return this.call(changeId, async () => summaryFromExecution(await this.handle(changeId).describe()));
  }

  /** Changes on this client's task queue, newest first, narrowed by status, target kind and requester. */
  async list(filter: ListFilter = {}): Promise<ChangePage> {
    const valid = parseOrThrow(listFilterSchema, filter, 'list filter');
    const { namespace, loadedDataConverter } = this.client.options;
    let response;
    try {
      response = await this.client.workflowService.listWorkflowExecutions({
        namespace,
        query: changeListQuery(this.taskQueue, valid),
        pageSize: valid.pageSize,
        nextPageToken: valid.nextPageToken ? Buffer.from(valid.nextPageToken, 'base64') : undefined,
      });
    } catch (err) {
      // INVALID_ARGUMENT with a token means the token is not one of ours (or has expired).
      if (valid.nextPageToken && isGrpcServiceError(err) && err.code === 3) {
        throw new ValidationError('list filter', [{ path: 'nextPageToken', message: 'must be a token returned by a previous page' }]);
      }
      throw err;
    }
    const changes = await Promise.all(response.executions.map(async (raw) => summaryFromExecution(await executionInfoFromRaw(raw, loadedDataConverter, raw, namespace))));
    const token = response.nextPageToken && response.nextPageToken.length > 0 ? Buffer.from(response.nextPageToken).toString('base64') : undefined;
    return { changes, ...(token ? { nextPageToken: token } : {}) };
  }

  /** Waits for the change to settle and returns its report. */
  async result(changeId: string): Promise<ChangeReport> {
    return this.call(changeId, () => this.handle(changeId).result());
  }

  /**
   * The report of a settled change: the stored copy in MongoDB when this client has a database,
   * else the workflow's result. Throws ReportNotAvailableError while the change still runs.
   */
  async report(changeId: string): Promise<AnnotatedReport> {
    parseOrThrow(changeIdSchema, changeId, 'change id');
    if (this.options.db) {
      const stored = await reportsCollection(this.options.db).findOne({ _id: changeId });
      if (stored) {
        const { _id, storedAt: _storedAt, ...report } = stored;
        return report;
      }
    }
    const summary = await this.describe(changeId);
    if (summary.executionStatus === 'RUNNING') throw new ReportNotAvailableError(changeId, `the change is still ${summary.phase ?? 'running'}`);
    if (summary.executionStatus !== 'COMPLETED') throw new ReportNotAvailableError(changeId, `the workflow ended ${summary.executionStatus} without a stored report`);
    return this.result(changeId);
  }

  /**
   * Attaches a root-cause note to a settled change's stored report (it needs the database). The
   * latest note is the report's `rootCause`; earlier ones stay in `rootCauseHistory`. Throws
   * ChangeNotFoundError for an unknown change and ReportNotAvailableError while it still runs.
   */
  async addRootCause(changeId: string, input: RootCauseInput): Promise<RootCauseResult> {
    parseOrThrow(changeIdSchema, changeId, 'change id');
    const valid = parseOrThrow(rootCauseInputSchema, input, 'root-cause note');
    const db = this.database('root-cause notes');
    const notes = await addRootCauseNote(db, changeId, { ...valid, at: new Date().toISOString() });
    if (notes) return { changeId, ...notes };
    const summary = await this.describe(changeId);
    const reason = summary.executionStatus === 'RUNNING' ? `the change is still ${summary.phase ?? 'running'}; add the root cause once it has settled` : 'no stored report for this change';
    throw new ReportNotAvailableError(changeId, reason);
  }

  /** Sends a decision and returns the workflow's verdict (accepted, or partial for a first of two approvals). */
  async decide(changeId: string, decision: DecisionInput): Promise<DecisionOutcome> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    return this.call(changeId, () => this.handle(changeId).executeUpdate(decisionUpdate, { args: [input] }));
  }

  /**
   * Checks a decision against the change's open questions without sending it: throws
   * ChangeClosedError, RequestRefusedError (no such question, wrong answer, already approved) or
   * NotAllowedError (not a decider at the question's level, the requester approving their own
   * change). Interfaces call it before `decide` to answer precisely; the workflow checks again.
   */
  async checkDecision(changeId: string, decision: DecisionInput): Promise<PendingQuestion> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    if (input.decision === 'resolved-manually' && !input.comment?.trim()) {
      throw new ValidationError('decision', [{ path: 'comment', message: 'resolved-manually needs a comment saying what was done' }]);
    }
    const [status, summary] = await Promise.all([this.status(changeId), this.describe(changeId)]);
    if (summary.executionStatus !== 'RUNNING' || (terminalPhases as readonly string[]).includes(status.phase)) throw new ChangeClosedError(changeId);
    const verdict = judgeDecision(status, summary.requestedBy ?? '', input);
    if (verdict.ok) return verdict.question;
    throw verdict.notAllowed ? new NotAllowedError(changeId, verdict.reason) : new RequestRefusedError(changeId, verdict.reason);
  }

  /** Sends a decision as a signal: kept by the workflow even when it is not asking yet. */
  async signalDecision(changeId: string, decision: DecisionInput): Promise<void> {
    const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
    await this.call(changeId, () => this.handle(changeId).signal(decisionSignal, input));
  }

  /** Asks for a manual rollback; a second request is a no-op (`already-requested`). */
  async requestRollback(changeId: string, request: RollbackRequest): Promise<RollbackRequestOutcome> {
    const input = parseOrThrow(rollbackRequestSchema, request, 'rollback request');
    return this.call(changeId, async () => {
      try {
        return await this.handle(changeId).executeUpdate(rollbackUpdate, { args: [input] });
      } catch (err) {
        // The workflow refuses repeats without writing them down (see workflows/handlers.ts).
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === ErrorType.RollbackAlreadyRequested) {
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

  private database(what: string): Db {
    if (!this.options.db) throw new Error(`${what} need the database: create the ChangeClient with { db }`);
    return this.options.db;
  }

  private handle(changeId: string) {
    return this.client.workflow.getHandle<typeof changeWorkflow>(changeWorkflowId(parseOrThrow(changeIdSchema, changeId, 'change id')));
  }

  private async call<T>(changeId: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw refusal(changeId, err.cause?.message ?? err.message);
      // An update to a finished workflow comes back as "not found: … already completed": closed, not unknown.
      if (isClosedError(err)) throw new ChangeClosedError(changeId);
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

/** Updates and signals to a finished workflow fail with "workflow execution already completed". */
function isClosedError(err: unknown): boolean {
  return err instanceof Error && /already completed|workflow execution already finished/i.test(err.message);
}

import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { ChangeRequestInput } from '../domain/change-request';
import type { Insights } from '../domain/insights';
import type { InsightsQuery } from '../domain/insights-query';
import type { DecisionInput, DecisionOutcome, RollbackRequest, RollbackRequestOutcome } from '../domain/decisions';
import type { RehearsalReport } from '../domain/rehearsal';
import type { RootCauseInput } from '../domain/root-cause';
import type { ChangeReport, ChangeStatus, RollbackPreview } from '../domain/status';
import type { ChangePage } from './change-page';
import type { ListFilter } from './change-query';
import type { ChangeSummary } from './change-summary';
import { Changes, type StartedChange } from './changes';
import type { FlowDiff } from './flow-diff';
import { Flows, type FlowVersions, type FlowView } from './flows';
import { Rehearsals, type RehearsalSubject, type StartedRehearsal } from './rehearsals';
import { Reports, type AnnotatedReport, type RootCauseResult } from './reports';
import type { RequestGuard } from './request-guard';
import type { RestoreFlowOptions, RestoreTargetInput } from './restore-flow';
import { Rollbacks, type StartedRollback } from './rollbacks';

export interface ChangeClientOptions {
  /** Where stored reports are read from (`change_reports`); without it reports come from workflow results. */
  db?: Db;
  /** The operator's checks on top of the schemas (partners, allow-lists, policy floor); default none. */
  guard?: RequestGuard;
  /**
   * How long `start` waits for the workflow to say what the change does first (default 10 s); 0
   * returns as soon as the workflow is started, without `admission`.
   */
  admissionWaitMs?: number;
}

/**
 * Typed client for changes: the one way in for the API, the CLI, chat ops and tools. Input is
 * validated with the same schemas the HTTP API publishes, so a bad request is refused
 * (ValidationError naming each field) before any workflow starts or is signalled. Errors are typed:
 * ChangeNotFoundError, RequestRefusedError (NotAllowedError when it is about who asks),
 * ChangeClosedError, ChangeIdConflictError, ReportNotAvailableError.
 *
 * It only delegates, one concern per class: `Changes` (start, read, decide, roll back), `Rollbacks`
 * (preview, roll back a finished change later), `Flows` (create, read, versions, diff, restore), `Reports` (stored reports,
 * root-cause notes, insights) and `Rehearsals`; each method's
 * documentation is on the class that does the work.
 */
export class ChangeClient {
  private readonly changes: Changes;
  private readonly flows: Flows;
  private readonly reports: Reports;
  private readonly rehearsals: Rehearsals;
  private readonly rollbacks: Rollbacks;

  constructor(client: Client, taskQueue: string, options: ChangeClientOptions = {}) {
    this.changes = new Changes(client, taskQueue, options.guard, options.admissionWaitMs);
    this.flows = new Flows(this.changes, options.db);
    this.reports = new Reports(this.changes, options.db);
    this.rehearsals = new Rehearsals(client, taskQueue, this.changes, options.guard);
    this.rollbacks = new Rollbacks(client, taskQueue, this.changes, options.db);
  }

  /** See {@link Changes.start}: the same change id returns the existing change. */
  start(request: unknown, options: { changeId: string }): Promise<StartedChange> {
    return this.changes.start(request, options);
  }

  status(changeId: string): Promise<ChangeStatus> {
    return this.changes.status(changeId);
  }

  describe(changeId: string): Promise<ChangeSummary> {
    return this.changes.describe(changeId);
  }

  list(filter: ListFilter = {}): Promise<ChangePage> {
    return this.changes.list(filter);
  }

  result(changeId: string): Promise<ChangeReport> {
    return this.changes.result(changeId);
  }

  decide(changeId: string, decision: DecisionInput): Promise<DecisionOutcome> {
    return this.changes.decide(changeId, decision);
  }

  signalDecision(changeId: string, decision: DecisionInput): Promise<void> {
    return this.changes.signalDecision(changeId, decision);
  }

  requestRollback(changeId: string, request: RollbackRequest): Promise<RollbackRequestOutcome> {
    return this.changes.requestRollback(changeId, request);
  }

  /** See {@link Rollbacks.preview}: what a rollback would do now, conflicts included; nothing is changed. */
  previewRollback(changeId: string): Promise<RollbackPreview> {
    return this.rollbacks.preview(changeId);
  }

  /** See {@link Rollbacks.later}: the rollback of a finished change, as a change of its own with id `rollbackId`. */
  rollBackLater(changeId: string, request: unknown, options: { rollbackId: string }): Promise<StartedRollback> {
    return this.rollbacks.later(changeId, request, options);
  }

  withAbortSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    return this.changes.withAbortSignal(signal, fn);
  }

  /** See {@link Flows.create}: a new flow at version 1, validated; FlowExistsError when the id is taken. */
  createFlow(flowId: string, config: unknown, options: { actor: string }): Promise<FlowView & { created: true }> {
    return this.flows.create(flowId, config, options);
  }

  /** A flow as it is now (FlowNotFoundError for an unknown one). */
  flow(flowId: string): Promise<FlowView> {
    return this.flows.get(flowId);
  }

  /** See {@link Flows.versions}: every version, which change wrote it and which write undid it. */
  flowVersions(flowId: string): Promise<FlowVersions> {
    return this.flows.versions(flowId);
  }

  /** See {@link Flows.diff}: JSON Patch and readable lines between two versions. */
  diffFlow(flowId: string, range: { from?: number; to?: number } = {}): Promise<FlowDiff> {
    return this.flows.diff(flowId, range);
  }

  /** See {@link Flows.restoreFlow}: a restore is a change like any other. */
  restoreFlow(
    flowId: string,
    restoreTo: RestoreTargetInput,
    options: RestoreFlowOptions & { changeId: string },
  ): Promise<StartedChange> {
    return this.flows.restoreFlow(flowId, restoreTo, options);
  }

  report(changeId: string): Promise<AnnotatedReport> {
    return this.reports.report(changeId);
  }

  addRootCause(changeId: string, input: RootCauseInput): Promise<RootCauseResult> {
    return this.reports.addRootCause(changeId, input);
  }

  /** See {@link Reports.insights}: figures over the stored reports, by period. */
  insights(query: InsightsQuery = {}): Promise<Insights> {
    return this.reports.insights(query);
  }

  startRehearsal(subject: RehearsalSubject, options: { rehearsalId: string }): Promise<StartedRehearsal> {
    return this.rehearsals.start(subject, options);
  }

  rehearse(subject: ChangeRequestInput | string, options: { rehearsalId: string }): Promise<RehearsalReport> {
    return this.rehearsals.rehearse(subject, options);
  }

  /** A finished rehearsal's report (RehearsalNotAvailableError while it runs or when it could not finish). */
  rehearsal(rehearsalId: string): Promise<RehearsalReport> {
    return this.rehearsals.report(rehearsalId);
  }

  rehearsalResult(rehearsalId: string): Promise<RehearsalReport> {
    return this.rehearsals.result(rehearsalId);
  }
}

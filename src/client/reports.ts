import type { Db } from 'mongodb';
import { addRootCauseNote, loadReport } from '../store/reports';
import { changeIdSchema } from '../domain/change-request';
import type { Insights } from '../domain/insights';
import type { InsightsQuery } from '../domain/insights-query';
import {
  rootCauseInputSchema,
  type ReportAnnotations,
  type RootCauseInput,
  type RootCauseNote,
} from '../domain/root-cause';
import type { ChangeReport } from '../domain/status';
import { parseOrThrow } from '../domain/validation';
import type { Changes } from './changes';
import { ReportNotAvailableError } from './errors';
import { readInsights } from './insights';

/** A settled change's report with what people added to it afterwards (root-cause notes). */
export type AnnotatedReport = ChangeReport & ReportAnnotations;

/** The notes of a report after a root-cause note was attached: the latest, and every note so far. */
export interface RootCauseResult {
  changeId: string;
  rootCause: RootCauseNote;
  rootCauseHistory: RootCauseNote[];
}

/**
 * What a change leaves behind: its report (stored in MongoDB, else the workflow's result) and the
 * root-cause notes people attach to it afterwards, and the insights over every stored report. The database is reached through src/store only.
 */
export class Reports {
  constructor(
    private readonly changes: Changes,
    /** Where stored reports are read from (`change_reports`); without it reports come from workflow results. */
    private readonly db?: Db,
  ) {}

  /**
   * The report of a settled change: the stored copy in MongoDB when this client has a database,
   * else the workflow's result. Throws ReportNotAvailableError while the change still runs.
   */
  async report(changeId: string): Promise<AnnotatedReport> {
    parseOrThrow(changeIdSchema, changeId, 'change id');
    if (this.db) {
      const stored = await loadReport(this.db, changeId);
      if (stored) return stored;
    }
    const summary = await this.changes.describe(changeId);
    if (summary.executionStatus === 'RUNNING')
      throw new ReportNotAvailableError(changeId, `the change is still ${summary.phase ?? 'running'}`);
    if (summary.executionStatus !== 'COMPLETED')
      throw new ReportNotAvailableError(
        changeId,
        `the workflow ended ${summary.executionStatus} without a stored report`,
      );
    return this.changes.result(changeId);
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
    const summary = await this.changes.describe(changeId);
    const reason =
      summary.executionStatus === 'RUNNING'
        ? `the change is still ${summary.phase ?? 'running'}; add the root cause once it has settled`
        : 'no stored report for this change';
    throw new ReportNotAvailableError(changeId, reason);
  }

  /**
   * Change failure rate, time to recover, rollbacks by cause, category, trigger and target kind,
   * waits on people, failing steps and root-cause notes over the stored reports, by period (it
   * needs the database). The query is validated (ValidationError naming the field); the figures
   * are aggregated in MongoDB (src/store/insights.ts).
   */
  async insights(query: InsightsQuery = {}): Promise<Insights> {
    return readInsights(this.database('insights'), query);
  }

  private database(what: string): Db {
    if (!this.db) throw new Error(`${what} need the database: create the ChangeClient with { db }`);
    return this.db;
  }
}

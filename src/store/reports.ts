import type { Db } from 'mongodb';
import type { InsightFacts } from '../domain/insight-facts';
import type { ReportAnnotations, RootCauseNote } from '../domain/root-cause';
import type { ChangeReport } from '../domain/status';
import { productCollection } from './collections';
import { insightWrites } from './insight-facts';

/**
 * A report as stored: the report, people's notes, and the insight facts derived from it
 * (src/store/insight-facts.ts) — `insights.rolledBackLater` is set on a change by the report of a
 * rollback run later that rolled it back.
 */
export type StoredReport = ChangeReport &
  ReportAnnotations & {
    _id: string;
    storedAt: Date;
    insights?: Partial<InsightFacts> & { rolledBackLater?: boolean };
    insightWaitsMs?: number[];
  };

/** Change reports are kept in MongoDB beside the workflow result, one document per change. */
export function reportsCollection(db: Db) {
  return productCollection<StoredReport>(db, 'changeReports');
}

/**
 * Writes the report's fields and its insight facts, leaving fields added later by people (the
 * root-cause notes) and by other runs (`insights.rolledBackLater`) in place: a `$set` of each
 * field, not a replace, so a report stored again keeps them. `first` says this call created the
 * document (a retried activity or a report stored again finds it there).
 */
export async function storeReport(db: Db, report: ChangeReport): Promise<{ first: boolean }> {
  // A report read back from the store carries its storage fields; they are derived here again.
  const {
    _id: _ignoredId,
    storedAt: _ignoredStoredAt,
    insights: _ignoredInsights,
    insightWaitsMs: _ignoredWaits,
    ...fields
  } = report as Partial<StoredReport>;
  const storedAt = new Date();
  const writes = insightWrites(report, storedAt);
  const result = await reportsCollection(db).updateOne(
    { _id: report.changeId },
    { $set: { ...fields, storedAt, ...writes.own } },
    { upsert: true },
  );
  for (const other of writes.others) await reportsCollection(db).updateOne(other.filter, other.update);
  return { first: result.upsertedCount === 1 };
}

/**
 * Attaches a root-cause note to a stored report: it becomes `rootCause` and is appended to
 * `rootCauseHistory`. Sending the same note by the same author again (a retry) adds nothing.
 * Returns the report's notes, or null when no report is stored for the change.
 */
export async function addRootCauseNote(
  db: Db,
  changeId: string,
  note: RootCauseNote,
): Promise<Required<ReportAnnotations> | null> {
  const reports = reportsCollection(db);
  await reports.updateOne(
    { _id: changeId, $or: [{ 'rootCause.note': { $ne: note.note } }, { 'rootCause.author': { $ne: note.author } }] },
    { $set: { rootCause: note }, $push: { rootCauseHistory: note } },
  );
  const stored = await reports.findOne({ _id: changeId }, { projection: { rootCause: 1, rootCauseHistory: 1 } });
  if (!stored?.rootCause) return null;
  return { rootCause: stored.rootCause, rootCauseHistory: stored.rootCauseHistory ?? [stored.rootCause] };
}

/** A stored report as it was stored, with its annotations, without the storage fields; null when none is stored. */
export async function loadReport(db: Db, changeId: string): Promise<(ChangeReport & ReportAnnotations) | null> {
  const stored = await reportsCollection(db).findOne({ _id: changeId });
  if (!stored) return null;
  const { _id, storedAt: _storedAt, insights: _insights, insightWaitsMs: _waits, ...report } = stored;
  return report;
}

import type { Db } from 'mongodb';
import type { ReportAnnotations, RootCauseNote } from '../domain/root-cause';
import type { ChangeReport } from '../domain/status';
import { productCollection } from './collections';

export type StoredReport = ChangeReport & ReportAnnotations & { _id: string; storedAt: Date };

/** Change reports are kept in MongoDB beside the workflow result, one document per change. */
export function reportsCollection(db: Db) {
  return productCollection<StoredReport>(db, 'changeReports');
}

/**
 * Writes the report's fields, leaving fields added later by people (the root-cause notes) in place:
 * a `$set`, not a replace, so a report stored again keeps its annotations. `first` says this call
 * created the document (a retried activity or a report stored again finds it there).
 */
export async function storeReport(db: Db, report: ChangeReport): Promise<{ first: boolean }> {
  const result = await reportsCollection(db).updateOne(
    { _id: report.changeId },
    { $set: { ...report, storedAt: new Date() } },
    { upsert: true },
  );
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
  const { _id, storedAt: _storedAt, ...report } = stored;
  return report;
}

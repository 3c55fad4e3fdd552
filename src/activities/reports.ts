import type { Db } from 'mongodb';
import type { ChangeReport } from '../workflows/types';

export type StoredReport = ChangeReport & { _id: string; storedAt: Date };

/** Change reports are kept in MongoDB beside the workflow result, one document per change. */
export function reportsCollection(db: Db) {
  return db.collection<StoredReport>('change_reports');
}

export async function storeReport(db: Db, report: ChangeReport): Promise<void> {
  const doc: Omit<StoredReport, '_id'> = { ...report, storedAt: new Date() };
  await reportsCollection(db).replaceOne({ _id: report.changeId }, doc, { upsert: true });
}

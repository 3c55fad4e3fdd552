import type { Db } from 'mongodb';
import { productCollection } from './collections';
import { productCollections, type ProductCollection } from '../domain/product-collections';
import { terminalPhases } from '../domain/status';
import { reportsCollection } from './reports';

/**
 * Collections holding a change's recovery data, by change id: recovery points, and the per-lead
 * before-images of `lead-data` steps (`lead_journal`, when that target kind is in use). A
 * collection that does not exist is simply empty.
 */
const recoveryData: { store: ProductCollection; capturedAt: string }[] = [
  { store: 'recoveryPoints', capturedAt: 'capturedAt' },
  { store: 'leadJournal', capturedAt: 'journaledAt' },
];

export interface PurgeOptions {
  /** Keep recovery data of a change for this many days after it finished. */
  retentionDays: number;
  /** Only count what would be deleted. */
  dryRun?: boolean;
  now?: Date;
}

export interface PurgedChange {
  changeId: string;
  phase: string;
  finishedAt: string;
  /** Documents deleted (or, in a dry run, that would be) per collection. */
  deleted: Record<string, number>;
}

export interface KeptChange {
  changeId: string;
  reason: string;
}

export interface PurgeResult {
  retentionDays: number;
  cutoff: string;
  dryRun: boolean;
  purged: PurgedChange[];
  kept: KeptChange[];
}

const terminal: readonly string[] = terminalPhases;

/**
 * Deletes recovery data older than the retention, but only of changes known to be over: the
 * change's report is stored (it is written when the change ends), its phase is terminal and it
 * finished before the cutoff. A change without a report — still running, or unknown — keeps
 * everything. Only data captured before the cutoff is deleted, so anything a later restore of an
 * old change has just captured stays. Each delete is idempotent: running the purge twice is safe.
 */
export async function purgeRecoveryData(db: Db, options: PurgeOptions): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const dryRun = options.dryRun === true;
  const candidates = new Set<string>();
  for (const { store, capturedAt } of recoveryData) {
    for (const id of await productCollection(db, store).distinct('changeId', { [capturedAt]: { $lt: cutoff } }))
      candidates.add(String(id));
  }
  const ids = [...candidates].sort();
  const reports = await reportsCollection(db)
    .find({ _id: { $in: ids } }, { projection: { phase: 1, finishedAt: 1 } })
    .toArray();
  const reportOf = new Map(reports.map((r) => [r._id, r]));
  const result: PurgeResult = {
    retentionDays: options.retentionDays,
    cutoff: cutoff.toISOString(),
    dryRun,
    purged: [],
    kept: [],
  };

  for (const changeId of ids) {
    const report = reportOf.get(changeId);
    if (!report) {
      result.kept.push({ changeId, reason: 'no stored report: the change is still running, or unknown' });
      continue;
    }
    if (!terminal.includes(report.phase)) {
      result.kept.push({ changeId, reason: `phase ${report.phase} is not terminal` });
      continue;
    }
    const finishedAt = Date.parse(report.finishedAt);
    if (!(finishedAt < cutoff.getTime())) {
      result.kept.push({ changeId, reason: `finished ${report.finishedAt}, within the retention` });
      continue;
    }
    const deleted: Record<string, number> = {};
    for (const { store, capturedAt } of recoveryData) {
      const filter = { changeId, [capturedAt]: { $lt: cutoff } };
      const data = productCollection(db, store);
      deleted[productCollections[store]] = dryRun
        ? await data.countDocuments(filter)
        : (await data.deleteMany(filter)).deletedCount;
    }
    result.purged.push({ changeId, phase: report.phase, finishedAt: report.finishedAt, deleted });
  }
  return result;
}

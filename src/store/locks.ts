import type { Db } from 'mongodb';
import { productCollection } from './collections';

interface LockDoc {
  _id: string;
  holder: string;
  acquiredAt: Date;
}

const DUPLICATE_KEY = 11000;

export function locksCollection(db: Db) {
  return productCollection<LockDoc>(db, 'targetLocks');
}

export type LockAttempt = { acquired: true } | { acquired: false; key: string; holder: string };

/**
 * Takes every lock for `holder`, or none: a lock is one document keyed by the target, so taking
 * it is a single insert (atomic on any MongoDB-protocol server, no transaction needed). Taking a
 * lock one already holds succeeds (retries are harmless). There is no TTL: a lock is released by
 * the holding workflow, which outlives any worker crash.
 */
export async function acquireLocks(db: Db, holder: string, keys: string[]): Promise<LockAttempt> {
  const locks = locksCollection(db);
  const taken: string[] = [];
  for (const key of keys) {
    try {
      await locks.insertOne({ _id: key, holder, acquiredAt: new Date() });
      taken.push(key);
    } catch (err) {
      if ((err as { code?: number }).code !== DUPLICATE_KEY) throw err;
      const current = await locks.findOne({ _id: key });
      if (current?.holder === holder) continue;
      if (taken.length > 0) await locks.deleteMany({ _id: { $in: taken }, holder });
      // The holder may have released it in between: report it busy anyway; the caller retries.
      return { acquired: false, key, holder: current?.holder ?? 'unknown' };
    }
  }
  return { acquired: true };
}

/** Releases what `holder` holds among `keys` (never someone else's lock). */
export async function releaseLocks(db: Db, holder: string, keys: string[]): Promise<void> {
  await locksCollection(db).deleteMany({ _id: { $in: keys }, holder });
}

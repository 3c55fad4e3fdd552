import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { productCollection } from '../../../src/store/collections';
import { productCollections } from '../../../src/domain/product-collections';

/** A lock on a target, held by a change. */
export interface HeldLock {
  /** What is locked, e.g. `flow-config:solar-leads`. */
  target: string;
  /** The change holding it. */
  changeId: string;
}

/**
 * Where target locks can be read from. The campaign registers `targetLocksCollection` (the
 * product's locks); another implementation registers its own. The checker reports every lock still
 * held at the end as orphaned — all changes are terminal then, so a held lock is one a dead worker
 * or a finished change left behind.
 */
export interface LockSource {
  name: string;
  list(context: { db: Db; client: Client; taskQueue: string }): Promise<HeldLock[]>;
}

/** The product's target locks: one document per locked target in `target_locks`, `holder` = change id. */
export const targetLocksCollection: LockSource = {
  name: productCollections.targetLocks,
  async list({ db }) {
    const locks = await productCollection<{ _id: string; holder: string }>(db, 'targetLocks').find({}).toArray();
    return locks.map((lock) => ({ target: lock._id, changeId: lock.holder }));
  },
};

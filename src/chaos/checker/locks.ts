import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';

/** A lock on a target, held by a change. */
export interface HeldLock {
  /** What is locked, e.g. `flow-config:solar-leads`. */
  target: string;
  /** The change holding it. */
  changeId: string;
}

/**
 * Where target locks can be read from (issue 7, item 5, is being built): a MongoDB collection, a
 * lock workflow's query, whatever the implementation chooses. Register one in the campaign and the
 * checker reports every lock still held at the end as orphaned — all changes are terminal then,
 * so a held lock is one a dead worker or a finished change left behind.
 */
export interface LockSource {
  name: string;
  list(context: { db: Db; client: Client; taskQueue: string }): Promise<HeldLock[]>;
}

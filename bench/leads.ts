import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { performance } from 'node:perf_hooks';

/** A lead record as a lead-distribution platform keeps it (the fields a batch change touches and others). */
export interface BenchLead {
  _id: string;
  status: string;
  owner: string;
  score?: number;
  state: string;
  contact: { email: string; phone: string };
  source: string;
}

export const leadId = (i: number) => `lead-${String(i).padStart(7, '0')}`;

/** `count` leads, every one selected by `{ status: 'new' }`, inserted in unordered chunks. */
export async function seedLeads(collection: Collection<BenchLead>, count: number, chunk = 5000): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    const docs: BenchLead[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      docs.push({
        _id: leadId(i),
        status: 'new',
        owner: 'pool',
        score: i % 100,
        state: i % 3 === 0 ? 'TX' : 'CA',
        contact: { email: `lead${i}@example.com`, phone: `+1555${String(i).padStart(7, '0')}` },
        source: i % 2 === 0 ? 'solar-form' : 'partner-feed',
      });
    }
    await collection.insertMany(docs, { ordered: false });
  }
}

/** What the bench's lead-data step writes: set owner and status, unset score. */
export const batchSpec = (collection: string) => ({
  collection,
  filter: { status: 'new' },
  set: { owner: 'partner-east', status: 'assigned' },
  unset: ['score'],
});

/**
 * Updates per `bulkWrite` call for the floor. FerretDB 1.24 (SQLite backend) keeps each update
 * statement's query open until the whole command returns, from a pool of 100 connections per
 * database: a command of 100 or more updates waits forever for a 101st connection (measured: 99
 * updates take ~60 ms, 100 never return). So on FerretDB the floor sends 99 per call; on MongoDB 1000.
 */
export function bulkChunk(databaseKind: string): number {
  return databaseKind === 'ferretdb' ? 99 : 1000;
}

/**
 * The floor: the same updates as plain `bulkWrite`s of `updateOne` by `_id` (unordered, `chunk`
 * per call), with the ids and old values already known — no reads, no journal, no checks.
 */
export async function rawBulkWrite(
  db: Db,
  name: string,
  count: number,
  direction: 'apply' | 'restore',
  chunk: number,
): Promise<number> {
  const collection = db.collection<BenchLead>(name);
  const started = performance.now();
  for (let start = 0; start < count; start += chunk) {
    const ops: AnyBulkWriteOperation<BenchLead>[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      const update =
        direction === 'apply'
          ? { $set: { owner: 'partner-east', status: 'assigned' }, $unset: { score: '' as const } }
          : { $set: { owner: 'pool', status: 'new', score: i % 100 } };
      ops.push({ updateOne: { filter: { _id: leadId(i) }, update } });
    }
    await collection.bulkWrite(ops, { ordered: false });
  }
  return performance.now() - started;
}

import { createHash, type Hash } from 'node:crypto';
import type { Db, Document } from 'mongodb';
import { canonicalJson } from '../../domain/canonical';
import { inChunks } from '../../store/batches';
import type { DocumentSelection } from './sandboxes';

/** Documents read (and copied) per round trip: memory stays at one batch whatever the selection's size. */
export const SELECTION_BATCH = 500;

/**
 * A checksum built item by item that equals `checksum()` of the nested arrays it was fed
 * (`[[doc, doc], [doc]]`): canonical JSON of an array is its items' canonical JSON joined by ",".
 */
export class StreamedChecksum {
  private readonly hash: Hash = createHash('sha256');
  private readonly firsts: boolean[] = [];

  open(): this {
    this.separate();
    this.hash.update('[');
    this.firsts.push(true);
    return this;
  }

  item(value: unknown): this {
    this.separate();
    this.hash.update(canonicalJson(value));
    return this;
  }

  close(): this {
    this.hash.update(']');
    this.firsts.pop();
    return this;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  private separate(): void {
    const depth = this.firsts.length - 1;
    if (depth < 0) return;
    if (this.firsts[depth]) this.firsts[depth] = false;
    else this.hash.update(',');
  }
}

/** The selection's documents in `_id` order, a batch at a time (a cursor, never the whole selection in memory). */
export async function* selectionBatches(db: Db, selection: DocumentSelection): AsyncGenerator<Document[]> {
  const cursor = db.collection(selection.collection).find(selection.filter).sort({ _id: 1 }).batchSize(SELECTION_BATCH);
  try {
    yield* inChunks(cursor, SELECTION_BATCH);
  } finally {
    await cursor.close();
  }
}

/** Checksums of selections as read now: every document (production) and the parts that must come back exactly. */
export async function selectionChecksums(
  db: Db,
  selections: DocumentSelection[],
): Promise<{ all: string; exact: string }> {
  const all = new StreamedChecksum().open();
  const exact = new StreamedChecksum().open();
  for (const selection of selections) {
    all.open();
    if (selection.exact) exact.open();
    for await (const batch of selectionBatches(db, selection)) {
      for (const doc of batch) {
        all.item(doc);
        if (selection.exact) exact.item(selection.exact(doc));
      }
    }
    all.close();
    if (selection.exact) exact.close();
  }
  return { all: all.close().digest(), exact: exact.close().digest() };
}

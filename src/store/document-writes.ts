import type { Collection, Db, Document } from 'mongodb';
import type { StepKey } from '../domain/outcomes';
import { productCollection } from './collections';

/** A document, or its absence: restoring an absence deletes the document the step created. */
export type DocState = { exists: false } | { exists: true; document: Document };

/**
 * The write markers of document steps, kept beside the documents rather than in them (a user's
 * document gets no bookkeeping fields): `pending` before the write, `done` after it, with the
 * state the write produces, so a retried apply or restore recognises its own write.
 */
export interface DocumentWriteDoc {
  _id: string;
  changeId: string;
  stepId: string;
  action: 'apply' | 'restore';
  collection: string;
  documentId: string;
  status: 'pending' | 'done';
  written: DocState;
  at: Date;
}

export class DocumentWrites {
  private readonly collection: Collection<DocumentWriteDoc>;

  constructor(db: Db) {
    this.collection = productCollection<DocumentWriteDoc>(db, 'documentWrites');
  }

  get(key: StepKey, action: DocumentWriteDoc['action']): Promise<DocumentWriteDoc | null> {
    return this.collection.findOne({ _id: markerId(key, action) });
  }

  async mark(
    key: StepKey,
    action: DocumentWriteDoc['action'],
    status: DocumentWriteDoc['status'],
    target: { collection: string; documentId: string; written: DocState },
  ): Promise<void> {
    const doc: Omit<DocumentWriteDoc, '_id'> = {
      changeId: key.changeId,
      stepId: key.stepId,
      action,
      status,
      ...target,
      at: new Date(),
    };
    await this.collection.replaceOne({ _id: markerId(key, action) }, doc, { upsert: true });
  }
}

function markerId(key: StepKey, action: DocumentWriteDoc['action']): string {
  return `${key.changeId}/${key.stepId}/${action}`;
}

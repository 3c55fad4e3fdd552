import type { Db } from 'mongodb';
import { changeRequestSchema } from '../domain/change-request';
import { parseOrThrow, ValidationError } from '../domain/validation';
import type { ChangeWorkflowInput } from '../domain/status';
import { productCollection } from './collections';

export interface StoredChangeRequest {
  _id: string;
  /**
   * The validated request as JSON text: exact, and storable on every MongoDB-protocol server
   * (FerretDB 1.x refuses nested arrays, which `independentGroups` has).
   */
  requestJson: string;
  requestedBy: string;
  storedAt: Date;
}

/**
 * Every change's validated request, kept so that later workflows (preview, roll back later,
 * rehearsal) can find its steps without reading another workflow's history.
 */
export function changeRequestsCollection(db: Db) {
  return productCollection<StoredChangeRequest>(db, 'changeRequests');
}

export async function storeChangeRequest(db: Db, input: ChangeWorkflowInput): Promise<{ first: boolean }> {
  const doc = {
    requestJson: JSON.stringify(input.request),
    requestedBy: input.request.requestedBy,
    storedAt: new Date(),
  };
  const result = await changeRequestsCollection(db).updateOne(
    { _id: input.changeId },
    { $setOnInsert: doc },
    { upsert: true },
  );
  return { first: result.upsertedCount === 1 };
}

/**
 * The stored request, validated again as it is read: a later workflow (preview, roll back later,
 * rehearsal) runs only what today's schemas accept, whatever is in the database.
 * @throws ValidationError naming the change and the field when it no longer validates.
 */
export async function loadChangeRequest(db: Db, changeId: string): Promise<ChangeWorkflowInput | null> {
  const doc = await changeRequestsCollection(db).findOne({ _id: changeId });
  if (!doc) return null;
  const subject = `stored request of change ${changeId}`;
  let stored: unknown;
  try {
    stored = JSON.parse(doc.requestJson);
  } catch {
    throw new ValidationError(subject, [{ path: '', message: 'is not valid JSON' }]);
  }
  return { changeId, request: parseOrThrow(changeRequestSchema, stored, subject) };
}

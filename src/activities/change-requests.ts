import type { Db } from 'mongodb';
import type { ChangeWorkflowInput } from '../workflows/types';

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
  return db.collection<StoredChangeRequest>('change_requests');
}

export async function storeChangeRequest(db: Db, input: ChangeWorkflowInput): Promise<void> {
  const doc = { requestJson: JSON.stringify(input.request), requestedBy: input.request.requestedBy, storedAt: new Date() };
  await changeRequestsCollection(db).updateOne({ _id: input.changeId }, { $setOnInsert: doc }, { upsert: true });
}

export async function loadChangeRequest(db: Db, changeId: string): Promise<ChangeWorkflowInput | null> {
  const doc = await changeRequestsCollection(db).findOne({ _id: changeId });
  return doc ? { changeId, request: JSON.parse(doc.requestJson) as ChangeWorkflowInput['request'] } : null;
}

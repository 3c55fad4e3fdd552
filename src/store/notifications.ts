import type { Db } from 'mongodb';
import type { ChangeNotification } from '../domain/notifications';
import { productCollection } from './collections';

/**
 * A notification in the outbox. `sent` lists the channels that took it, so a retried activity
 * sends only to the channels still missing; `undeliverable` records channels with no
 * configuration (kept visible here and in the worker log, never retried).
 */
export type StoredNotification = ChangeNotification & {
  _id: string;
  storedAt: Date;
  sent?: string[];
  undeliverable?: { channel: string; reason: string }[];
  lastError?: { channel: string; message: string; at: Date };
  /** Channels that failed at least once (a later attempt may have sent it): each is counted once. */
  failedChannels?: string[];
};

export function notificationsCollection(db: Db) {
  return productCollection<StoredNotification>(db, 'notifications');
}

/**
 * Records a notification in the outbox (idempotent on its id) for the senders (Slack, signed
 * webhooks) and for the audit trail.
 */
export async function recordNotification(db: Db, notification: ChangeNotification): Promise<{ first: boolean }> {
  const { id, ...rest } = notification;
  try {
    // An insert, not an upsert: a duplicate key means an earlier attempt recorded it (kept as is).
    await notificationsCollection(db).insertOne({ ...rest, _id: id, id, storedAt: new Date() });
    return { first: true };
  } catch (err) {
    if ((err as { code?: number }).code !== DUPLICATE_KEY) throw err;
    return { first: false };
  }
}

/** When each of these questions of a change was first asked, from the notifications its levels raised. */
export async function questionAskedTimes(
  db: Db,
  changeId: string,
  questionIds: readonly string[],
): Promise<Map<string, string>> {
  const asked = new Map<string, string>();
  if (questionIds.length === 0) return asked;
  const found = notificationsCollection(db).find(
    { changeId, 'question.id': { $in: [...questionIds] } },
    { projection: { question: 1 } },
  );
  for await (const { question } of found) if (question) asked.set(question.id, question.askedAt);
  return asked;
}

const DUPLICATE_KEY = 11000;

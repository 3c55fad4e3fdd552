import type { Db } from 'mongodb';
import type { ChangeNotification } from '../domain/notifications';

export type StoredNotification = ChangeNotification & { _id: string; storedAt: Date };

export function notificationsCollection(db: Db) {
  return db.collection<StoredNotification>('notifications');
}

/**
 * Records a notification in the outbox (idempotent on its id) for the senders (Slack, signed
 * webhooks) and for the audit trail.
 */
export async function recordNotification(db: Db, notification: ChangeNotification): Promise<void> {
  const { id, ...rest } = notification;
  await notificationsCollection(db).updateOne({ _id: id }, { $setOnInsert: { ...rest, id, storedAt: new Date() } }, { upsert: true });
}

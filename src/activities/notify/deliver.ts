import { ApplicationFailure } from '@temporalio/common';
import type { Db } from 'mongodb';
import { ErrorType } from '../../domain/errors';
import type { ChangeNotification } from '../../domain/notifications';
import { notificationsCollection } from '../../store/notifications';
import { channelTarget, type NotificationDeps } from './channels';

/**
 * Sends a recorded notification to each of its channels not yet marked sent. Each success is
 * recorded at once (one idempotent `$addToSet` per channel), so a retry after a partial failure
 * resends nothing that arrived; delivery is at-least-once only in the gap between a send and its
 * record, and receivers can deduplicate on the notification id.
 */
export async function deliverNotification(
  db: Db,
  deps: NotificationDeps | undefined,
  notification: ChangeNotification,
  log: { warn(message: string, meta?: Record<string, unknown>): void },
  /** Told once per channel that failed this notification (the metrics count it). */
  onChannelFailure: (channel: string, reason: 'not-configured' | 'send-failed') => void = () => undefined,
): Promise<void> {
  // Most changes notify no channel (no escalation policy): nothing to send, so nothing to read.
  if (notification.channels.length === 0) return;
  const outbox = notificationsCollection(db);
  const stored = await outbox.findOne({ _id: notification.id });
  const done = new Set([...(stored?.sent ?? []), ...(stored?.undeliverable ?? []).map((u) => u.channel)]);
  const failures: ApplicationFailure[] = [];
  for (const channel of notification.channels) {
    if (done.has(channel)) continue;
    const target = channelTarget(deps, channel, notification);
    if ('undeliverable' in target) {
      log.warn('notification channel not configured', {
        notificationId: notification.id,
        channel,
        reason: target.undeliverable,
      });
      await outbox.updateOne(
        { _id: notification.id },
        { $push: { undeliverable: { channel, reason: target.undeliverable } } },
      );
      // Recorded as undeliverable, the channel is never tried again: this runs once per channel.
      onChannelFailure(channel, 'not-configured');
      continue;
    }
    try {
      await target.send();
      await outbox.updateOne({ _id: notification.id }, { $addToSet: { sent: channel } });
    } catch (err) {
      const failure =
        err instanceof ApplicationFailure
          ? err
          : ApplicationFailure.retryable(String(err), ErrorType.NotificationUndelivered);
      await outbox.updateOne(
        { _id: notification.id },
        { $set: { lastError: { channel, message: failure.message, at: new Date() } } },
      );
      // Matches only while this channel has not failed this notification before: once per channel.
      const firstFailure = await outbox.updateOne(
        { _id: notification.id, failedChannels: { $ne: channel } },
        { $addToSet: { failedChannels: channel } },
      );
      if (firstFailure.modifiedCount === 1) onChannelFailure(channel, 'send-failed');
      failures.push(failure);
    }
  }
  if (failures.length === 0) return;
  const message = failures.map((f) => f.message).join('; ');
  // Retry while any channel may still take it; give up at once when every failure is permanent.
  if (failures.every((f) => f.nonRetryable))
    throw ApplicationFailure.nonRetryable(message, ErrorType.NotificationUndelivered);
  throw ApplicationFailure.retryable(message, ErrorType.NotificationUndelivered);
}

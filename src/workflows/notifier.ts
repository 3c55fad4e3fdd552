import { workflowInfo } from '@temporalio/workflow';
import type { ChangeNotification, NotificationEvent } from '../domain/notifications';
import { notifyActivity } from './activity-proxies';
import { failureInfo, type ChangeTracker } from './change-tracker';

/**
 * Sends notifications without making the saga wait for them: a failed notification is recorded
 * in the timeline and never blocks or fails the change. `drain` lets the workflow finish cleanly.
 */
export class Notifier {
  private sequence = 0;
  private readonly inflight: Promise<void>[] = [];

  constructor(
    private readonly changeId: string,
    private readonly title: string,
    private readonly tracker: ChangeTracker,
  ) {}

  send(
    event: NotificationEvent,
    summary: string,
    extra: Pick<ChangeNotification, 'channels'> & Partial<Pick<ChangeNotification, 'level' | 'question'>>,
  ): void {
    const notification: ChangeNotification = {
      id: `${this.changeId}/notification/${++this.sequence}`,
      changeId: this.changeId,
      workflowId: workflowInfo().workflowId,
      event,
      title: this.title,
      summary,
      at: new Date().toISOString(),
      ...extra,
    };
    this.inflight.push(
      notifyActivity(notification).catch((err: unknown) => {
        this.tracker.record('notification failed', { detail: `${event}: ${failureInfo(err).message}` });
      }),
    );
  }

  async drain(): Promise<void> {
    await Promise.all(this.inflight);
  }
}

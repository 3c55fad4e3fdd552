import type { PendingQuestion } from './status';

/** Moments people are told about: the `event` of every notification, in the order a change meets them. */
export const notificationEvents = [
  'approval-needed',
  'decision-needed',
  'step-failed',
  'escalated',
  'trigger-fired',
  'rollback-started',
  'rollback-finished',
  'compensation-failed',
  'validation-failed',
] as const;

export type NotificationEvent = (typeof notificationEvents)[number];

/** One notification; `id` is its idempotency key (change id + sequence), so a retry never sends twice. */
export interface ChangeNotification {
  id: string;
  changeId: string;
  workflowId: string;
  event: NotificationEvent;
  title: string;
  summary: string;
  /** `slack:#channel` / `webhook:name` entries from the policy's escalation level. */
  channels: string[];
  level?: { index: number; name: string };
  question?: PendingQuestion;
  at: string;
}

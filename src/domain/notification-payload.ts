import { z } from 'zod';
import { decisionNames, questionOptions, type DecisionName, type QuestionKind } from './decisions';
import { notificationEvents, type ChangeNotification } from './notifications';
import type { PendingQuestion } from './status';

/**
 * What a generic webhook channel (`webhook:<name>`) receives: the notification as JSON, signed like
 * every partner request. Published as schema/notification.schema.json. Exact for this release
 * (unknown fields refused) so the tests catch a field the worker sends and the schema does not
 * name; within one `version` fields are only added, and receivers should ignore fields they do not
 * know. Removing or changing a field means version 2.
 */
export const NOTIFICATION_PAYLOAD_VERSION = 1;

const isoTime = z.string().describe('ISO 8601 timestamp');

/** An open question, as the status query and notifications show it. */
export const pendingQuestionSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(Object.keys(questionOptions) as [QuestionKind, ...QuestionKind[]]),
  stepId: z.string().optional(),
  prompt: z.string(),
  options: z.array(z.enum(decisionNames as [DecisionName, ...DecisionName[]])),
  level: z.int().min(0).describe('Escalation level asked, 0 first'),
  mode: z.enum(['escalate', 'hold']).describe('hold: waits without deadline'),
  approvalsNeeded: z.int().min(1),
  askedAt: isoTime,
  deadline: isoTime.optional().describe('Absent while holding'),
  mayDecide: z.array(z.strictObject({ level: z.string(), actors: z.array(z.string()), groups: z.array(z.string()) })),
}) satisfies z.ZodType<PendingQuestion>;

export const notificationPayloadSchema = z.strictObject({
  version: z.literal(NOTIFICATION_PAYLOAD_VERSION),
  id: z.string().describe('Idempotency key (also the Idempotency-Key header): <changeId>/notification/<n>'),
  changeId: z.string(),
  workflowId: z.string(),
  event: z.enum(notificationEvents).describe('Also the X-Lead-Rollback-Event header'),
  title: z.string().describe("The change's title"),
  summary: z.string(),
  channels: z.array(z.string()).describe('Every channel this notification goes to (slack:#x, webhook:name)'),
  level: z
    .strictObject({ index: z.int().min(0), name: z.string() })
    .optional()
    .describe('The escalation level asked (questions and escalations)'),
  question: pendingQuestionSchema
    .optional()
    .describe('The question to answer, for approval-needed, decision-needed, escalated'),
  at: isoTime.describe('Workflow time of the event'),
  links: z.strictObject({
    temporalUi: z.string().describe("The change's workflow in the Temporal UI (empty when not configured)"),
  }),
});

export type NotificationPayload = z.infer<typeof notificationPayloadSchema>;

/** The webhook body of a notification. */
export function notificationPayload(notification: ChangeNotification, temporalUi: string): NotificationPayload {
  return { version: NOTIFICATION_PAYLOAD_VERSION, ...notification, links: { temporalUi } };
}

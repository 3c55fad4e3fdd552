import { z } from 'zod';
import { changeRequestSchema } from './change-request';
import { decisionInputSchema, rollbackRequestSchema } from './decision-schemas';
import { notificationPayloadSchema } from './notification-payload';
import { flowDocumentSchema } from './flow-document';
import { policyFloorSchema } from './policy-floor';

/** The published JSON Schemas, generated from the zod schemas (the single source of truth). */
export function publishedSchemas(): Record<string, unknown> {
  const schema = (s: z.ZodType, title: string) => ({
    title,
    ...z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }),
  });
  return {
    'change-request.schema.json': schema(changeRequestSchema, 'Change request'),
    'decision.schema.json': schema(decisionInputSchema, 'Decision'),
    'rollback-request.schema.json': schema(rollbackRequestSchema, 'Rollback request'),
    'policy-floor.schema.json': schema(policyFloorSchema, 'Operator policy floor (POLICY_FLOOR, POLICY_FLOOR_FILE)'),
    'notification.schema.json': schema(notificationPayloadSchema, 'Notification (body of a webhook channel)'),
    'flow.schema.json': schema(flowDocumentSchema, 'Lead flow configuration (the config of a flows document)'),
  };
}

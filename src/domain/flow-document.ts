import { z } from 'zod';
import { mongoKeyProblem } from './mongo-keys';
import { prototypeKeyProblem } from './safe-keys';

/** A field name of a lead, as rules and mappings name it (dotted for embedded fields). */
const leadFieldSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a lead field name: letters, digits, "_", "-" and "." between parts');

const ruleOperators = ['eq', 'ne', 'in', 'not-in', 'gt', 'gte', 'lt', 'lte', 'exists', 'matches'] as const;

/** One acceptance rule of a filter step: the lead's `field` compared with `value` by `op`. */
export const flowRuleSchema = z.strictObject({
  field: leadFieldSchema,
  op: z.enum(ruleOperators),
  value: z
    .union([
      z.string().max(1000),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(z.union([z.string().max(1000), z.number()])).max(500),
    ])
    .optional(),
});

/** A mapping's keys are the lead fields it fills; MongoDB and the worker must be able to keep them as keys. */
const mappedFieldsSchema = z.record(z.string().min(1).max(200), leadFieldSchema).superRefine((fields, ctx) => {
  for (const key of Object.keys(fields)) {
    const problem = prototypeKeyProblem(key) ?? mongoKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
  if (Object.keys(fields).length > 500) ctx.addIssue({ code: 'custom', message: 'maps more than 500 fields' });
});

/** The steps a lead goes through, in order: filters accept or reject it, mappings rename fields, deliveries send it. */
export const flowStepSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('filter'),
    name: z.string().max(200).optional(),
    rules: z.array(flowRuleSchema).min(1).max(100),
  }),
  z.strictObject({ type: z.literal('mapping'), name: z.string().max(200).optional(), fields: mappedFieldsSchema }),
  z.strictObject({
    type: z.literal('delivery'),
    name: z.string().max(200).optional(),
    recipient: z.string().min(1).max(200),
    timeoutMs: z.int().min(1).max(600_000).optional(),
  }),
]);

/**
 * A lead flow's configuration — the document the `flows` collection keeps as `config`, the one
 * flow-config steps patch and restore: its name, whether it takes leads, its steps and its price
 * cap. Published as schema/flow.schema.json. Flows created or imported through the product are
 * validated against it; flows written by changes stay whatever their patches made them.
 */
export const flowDocumentSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    enabled: z.boolean(),
    steps: z.array(flowStepSchema).max(100),
    pricing: z
      .strictObject({
        cap: z.number().min(0).max(1_000_000_000).describe('Most leads the flow buys per day'),
        currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
      })
      .optional(),
  })
  .meta({ id: 'FlowDocument' });

export type FlowDocument = z.infer<typeof flowDocumentSchema>;

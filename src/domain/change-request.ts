import { z } from 'zod';
import { targetSpecSchemas, type TargetKind } from './targets';

const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and "-"');

export const actorSchema = z.string().min(1).max(128).regex(/^[^\s$]+$/, 'must not contain spaces or "$"');

function stepVariant<K extends TargetKind>(kind: K) {
  return z.strictObject({
    id: idSchema,
    target: z.literal(kind),
    description: z.string().max(500).optional(),
    spec: targetSpecSchemas[kind],
  });
}

/** One step of a change: which target kind, and what to do to it. */
export const stepSchema = z.discriminatedUnion('target', [stepVariant('flow-config'), stepVariant('lead-data'), stepVariant('mongo-document')]);

/** A change request, validated before any workflow starts; the workflow trusts it. */
export const changeRequestSchema = z
  .strictObject({
    title: z.string().min(1).max(200),
    requestedBy: actorSchema,
    risk: z.enum(['low', 'medium', 'high']).default('low'),
    steps: z.array(stepSchema).min(1).max(100),
  })
  .superRefine((request, ctx) => {
    const seen = new Set<string>();
    request.steps.forEach((step, index) => {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
      seen.add(step.id);
    });
  });

export const changeIdSchema = idSchema;

export type Step = z.infer<typeof stepSchema>;
export type ChangeRequest = z.infer<typeof changeRequestSchema>;
export type ChangeRequestInput = z.input<typeof changeRequestSchema>;

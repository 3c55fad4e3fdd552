import { z } from 'zod';
import { jsonPatchSchema } from '../../../domain/json-patch';

export const flowIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

/**
 * A change to one lead flow's configuration: JSON-Patch operations on the flow's `config`
 * document, optionally only if the flow is still at `expectedVersion` (optimistic concurrency).
 */
export const flowConfigSpecSchema = z.strictObject({
  flowId: flowIdSchema,
  patch: jsonPatchSchema,
  expectedVersion: z.int().min(1).optional(),
});

export type FlowConfigSpec = z.infer<typeof flowConfigSpecSchema>;

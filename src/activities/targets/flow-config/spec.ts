import { z } from 'zod';
import { jsonPatchSchema, pointerTokens } from '../../../domain/json-patch';
import { findUnstorableKey, mongoKeyProblem } from '../../../domain/mongo-keys';

export const flowIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

/**
 * A change to one lead flow's configuration: JSON-Patch operations on the flow's `config`
 * document, optionally only if the flow is still at `expectedVersion` (optimistic concurrency).
 */
export const flowConfigSpecSchema = z
  .strictObject({
    flowId: flowIdSchema,
    patch: jsonPatchSchema,
    expectedVersion: z.int().min(1).optional(),
  })
  .superRefine((spec, ctx) => {
    // What the patch writes must be a flow configuration MongoDB can store, never something else.
    spec.patch.forEach((operation, index) => {
      if (operation.op === 'test') return;
      if (operation.path === '') {
        ctx.addIssue({ code: 'custom', path: ['patch', index, 'path'], message: 'must point inside the flow configuration: a patch cannot replace or remove the whole document' });
        return;
      }
      const badToken = pointerTokens(operation.path).map(mongoKeyProblem).find(Boolean);
      if (badToken) ctx.addIssue({ code: 'custom', path: ['patch', index, 'path'], message: badToken });
      if (operation.op === 'add' || operation.op === 'replace') {
        const badKey = findUnstorableKey(operation.value);
        if (badKey) ctx.addIssue({ code: 'custom', path: ['patch', index, 'value', ...badKey.path], message: badKey.problem });
      }
    });
  });

export type FlowConfigSpec = z.infer<typeof flowConfigSpecSchema>;

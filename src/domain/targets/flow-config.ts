import { z } from 'zod';
import { jsonPatchSchema, pointerTokens } from '../json-patch';
import { findUnstorableKey, mongoKeyProblem } from '../mongo-keys';

export const flowIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

/** Optimistic concurrency: the step applies only if the flow is still at this version. */
const expectedVersionSchema = z.int().min(1).optional();

/**
 * A change to one lead flow's configuration: JSON-Patch operations on the flow's `config`
 * document, optionally only if the flow is still at `expectedVersion` (optimistic concurrency).
 */
export const flowPatchSpecSchema = z.strictObject({
  flowId: flowIdSchema,
  patch: jsonPatchSchema,
  expectedVersion: expectedVersionSchema,
});

/** What a patch writes must be a flow configuration MongoDB can store, never something else. */
function checkStorablePatch(patch: z.infer<typeof jsonPatchSchema>, ctx: z.core.$RefinementCtx): void {
  patch.forEach((operation, index) => {
    if (operation.op === 'test') return;
    if (operation.path === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['patch', index, 'path'],
        message: 'must point inside the flow configuration: a patch cannot replace or remove the whole document',
      });
      return;
    }
    const badToken = pointerTokens(operation.path).map(mongoKeyProblem).find(Boolean);
    if (badToken) ctx.addIssue({ code: 'custom', path: ['patch', index, 'path'], message: badToken });
    if (operation.op === 'add' || operation.op === 'replace') {
      const badKey = findUnstorableKey(operation.value);
      if (badKey)
        ctx.addIssue({ code: 'custom', path: ['patch', index, 'value', ...badKey.path], message: badKey.problem });
    }
  });
}

/**
 * Which earlier configuration to restore: an exact version, or the one in force at a moment.
 * One object with a refinement rather than a union, so a wrong mix is reported at `restoreTo`
 * (a union's failures would only say "invalid input" for the whole spec).
 */
export const flowRestoreTargetSchema = z
  .strictObject({
    version: z.int().min(1).optional(),
    at: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 timestamp with a zone, e.g. 2025-03-01T12:00:00Z' })
      .optional(),
  })
  .describe(
    'Exactly one of version (restore that version) or at (restore the latest version written at or before this time)',
  )
  .superRefine((target, ctx) => {
    if ((target.version === undefined) === (target.at === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of version (a flow version number) or at (an ISO 8601 timestamp)',
      });
    }
  })
  .transform((target): { version: number } | { at: string } =>
    target.version !== undefined ? { version: target.version } : { at: target.at! },
  );

/**
 * Puts a flow back to an earlier configuration (like a rollback to a tag or a date): the
 * configuration of `restoreTo.version`, or of the latest version written at or before
 * `restoreTo.at`, is written as a new version that records which version it restores and which
 * changes it undoes. It is a step like any other, so the restore itself has a recovery point and
 * can be rolled back.
 */
export const flowRestoreSpecSchema = z.strictObject({
  flowId: flowIdSchema,
  restoreTo: flowRestoreTargetSchema,
  expectedVersion: expectedVersionSchema,
});

export type FlowPatchSpec = z.infer<typeof flowPatchSpecSchema>;
export type FlowRestoreSpec = z.infer<typeof flowRestoreSpecSchema>;
export type FlowRestoreTarget = z.infer<typeof flowRestoreTargetSchema>;
export type FlowConfigSpec = FlowPatchSpec | FlowRestoreSpec;

/**
 * A flow-config step: a patch or a restore-to. One object with a refinement rather than a zod union,
 * so a bad field inside either form is reported at its own path (a union reports only the spec).
 */
export const flowConfigSpecSchema = z
  .strictObject({
    flowId: flowIdSchema,
    patch: jsonPatchSchema.optional(),
    restoreTo: flowRestoreTargetSchema.optional(),
    expectedVersion: expectedVersionSchema,
  })
  .superRefine((spec, ctx) => {
    if ((spec.patch === undefined) === (spec.restoreTo === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'give either patch (JSON-Patch operations) or restoreTo ({ "version": n } or { "at": timestamp }), not both and not neither',
      });
    }
    if (spec.patch) checkStorablePatch(spec.patch, ctx);
  })
  .transform((spec) => spec as FlowConfigSpec);

export function isRestoreSpec(spec: FlowConfigSpec): spec is FlowRestoreSpec {
  return 'restoreTo' in spec;
}

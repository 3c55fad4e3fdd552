import { z } from 'zod';
import { actorSchema } from '../domain/actor';
import type { ChangeRequestInput } from '../domain/change-request';
import { policySchema } from '../domain/policy';
import { parseOrThrow } from '../domain/validation';
import { flowIdSchema, flowRestoreTargetSchema } from '../domain/targets/flow-config';

/** What restoring a flow takes besides the flow and the target: who asks, and the change's policy. */
export const restoreFlowOptionsSchema = z.strictObject({
  requestedBy: actorSchema,
  title: z.string().min(1).max(200).optional(),
  risk: z.enum(['low', 'medium', 'high']).optional(),
  /** Only restore if the flow is still at this version (what the operator looked at). */
  expectedVersion: z.int().min(1).optional(),
  policy: policySchema.optional(),
});

export type RestoreFlowOptions = z.input<typeof restoreFlowOptionsSchema>;
export type RestoreTargetInput = z.input<typeof flowRestoreTargetSchema>;

/** The id of the one step of a restore change (its recovery point is `<changeId>/restore-flow/before-apply`). */
export const RESTORE_STEP_ID = 'restore-flow';

/**
 * The change request that restores a flow to an earlier version or point in time: one
 * flow-config restore-to step, so the restore runs as a change like any other (approval policy,
 * recovery point, report) and can itself be rolled back.
 */
export function restoreFlowRequest(
  flowId: string,
  restoreTo: RestoreTargetInput,
  options: RestoreFlowOptions,
): ChangeRequestInput {
  const valid = parseOrThrow(
    z.strictObject({ flowId: flowIdSchema, restoreTo: flowRestoreTargetSchema, options: restoreFlowOptionsSchema }),
    { flowId, restoreTo, options },
    'flow restore',
  );
  const target =
    'version' in valid.restoreTo ? `version ${valid.restoreTo.version}` : `its configuration at ${valid.restoreTo.at}`;
  const { requestedBy, title, risk, expectedVersion, policy } = valid.options;
  return {
    title: title ?? `Restore flow ${flowId} to ${target}`,
    requestedBy,
    ...(risk ? { risk } : {}),
    ...(policy ? { policy } : {}),
    steps: [
      {
        id: RESTORE_STEP_ID,
        target: 'flow-config',
        description: `Restore flow ${flowId} to ${target}`,
        spec: { flowId, restoreTo: valid.restoreTo, ...(expectedVersion !== undefined ? { expectedVersion } : {}) },
      },
    ],
  };
}

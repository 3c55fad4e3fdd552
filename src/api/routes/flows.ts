import { z } from 'zod';
import { can } from '../../auth/identity';
import { flowIdSchema, flowRestoreTargetSchema } from '../../domain/targets/flow-config';
import { restoreFlowOptionsSchema } from '../../client/restore-flow';
import type { ApiDeps } from '../deps';
import { changeIdFor, idempotencyKeySchema } from '../idempotency';
import { ApiError } from '../problem';
import { defineRoute, type AnyRoute } from '../route';
import { startedChangeSchema } from '../schemas';

/** What a restore request sends; `requestedBy` is the caller (admins may name someone else). */
const restoreFlowBodySchema = restoreFlowOptionsSchema
  .extend({ restoreTo: flowRestoreTargetSchema, requestedBy: restoreFlowOptionsSchema.shape.requestedBy.optional() })
  .meta({ id: 'FlowRestore' });

/** `/v1/flows/:flowId/restore`: restore a flow to an earlier version or point in time, as a change. */
export function flowRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/flows/:flowId/restore',
      operationId: 'restoreFlow',
      summary: 'Restore a flow to a version or a point in time (runs as a change)',
      description:
        'Starts a change with one flow-config restore-to step: `restoreTo: { "version": n }` or `{ "at": timestamp }` (the latest version written at or before it). It has the change\'s policy, approval, recovery point and report, so it can be rolled back in turn; the version it writes records `restoresVersion` and `undoesChanges`. Idempotency-Key works as for starting a change.',
      tag: 'flows',
      permission: 'start',
      params: z.strictObject({ flowId: flowIdSchema }),
      headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
      body: restoreFlowBodySchema,
      bodyName: 'FlowRestore',
      responses: {
        201: { description: 'The restore change started', schema: startedChangeSchema },
        200: { description: 'Already started with this key', schema: startedChangeSchema },
        409: { description: 'Key reused with a different request' },
      },
      handle: async ({ params, headers, body, identity, request, reply }) => {
        const requestedBy = body.requestedBy ?? identity.actor;
        if (requestedBy !== identity.actor && !can(identity, 'startOnBehalf')) {
          throw new ApiError(
            403,
            'NotAllowed',
            `requestedBy must be ${identity.actor} (only admins start changes on behalf of others)`,
          );
        }
        const changeId = changeIdFor(identity.actor, headers['idempotency-key']);
        const { restoreTo, ...options } = body;
        const started = await deps.changes.restoreFlow(params.flowId, restoreTo, { ...options, requestedBy, changeId });
        request.log.info({ changeId, flowId: params.flowId, created: started.created }, 'flow restore started');
        reply.code(started.created ? 201 : 200).header('location', `/v1/changes/${changeId}`);
        return {
          ...started,
          links: { self: `/v1/changes/${changeId}`, temporalUi: deps.workflowUrl(started.workflowId) },
        };
      },
    }),
  ];
}

import { z } from 'zod';
import { flowIdSchema, flowRestoreTargetSchema } from '../../domain/targets/flow-config';
import { restoreFlowOptionsSchema } from '../../client/restore-flow';
import type { ApiDeps } from '../deps';
import { changeIdFor, idempotencyKeySchema } from '../idempotency';
import { requesterFor, startedAnswer } from '../started';
import { defineRoute, type AnyRoute } from '../route';
import { flowDiffSchema, flowVersionsSchema, flowViewSchema, startedChangeSchema } from '../schemas';
import { flowDocumentSchema } from '../../domain/flow-document';

/** What a restore request sends; `requestedBy` is the caller (admins may name someone else). */
const restoreFlowBodySchema = restoreFlowOptionsSchema
  .extend({ restoreTo: flowRestoreTargetSchema, requestedBy: restoreFlowOptionsSchema.shape.requestedBy.optional() })
  .meta({ id: 'FlowRestore' });

const flowParams = z.strictObject({ flowId: flowIdSchema });
const noFlow = { description: 'No such flow' };
const versionNumber = z.coerce.number().int().min(1);

/** `/v1/flows…`: create or import a flow, read it, its versions with lineage, a diff; restore it as a change. */
export function flowRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/flows',
      operationId: 'createFlow',
      summary: 'Create or import a flow (version 1)',
      description:
        'The configuration is validated against the flow document schema (schema/flow.schema.json); every bad field is named. The caller is recorded as the writer of version 1. A flow that exists is 409 and is left alone: change it with a change (a flow-config step), so that it has a recovery point.',
      tag: 'flows',
      permission: 'start',
      body: z.strictObject({ flowId: flowIdSchema, config: flowDocumentSchema }).meta({ id: 'FlowCreate' }),
      bodyName: 'FlowCreate',
      responses: {
        201: { description: 'Created', schema: flowViewSchema },
        409: { description: 'A flow with this id exists' },
      },
      handle: async ({ body, identity, request, reply }) => {
        const created = await deps.changes.createFlow(body.flowId, body.config, { actor: identity.actor });
        request.log.info({ flowId: created.flowId }, 'flow created');
        const { created: _, ...flow } = created;
        reply.code(201).header('location', `/v1/flows/${created.flowId}`);
        return flow;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/flows/:flowId',
      operationId: 'getFlow',
      summary: 'A flow as it is now: version, configuration, who wrote it',
      tag: 'flows',
      permission: 'read',
      params: flowParams,
      responses: { 200: { description: 'The flow', schema: flowViewSchema }, 404: noFlow },
      handle: ({ params }) => deps.changes.flow(params.flowId),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/flows/:flowId/versions',
      operationId: 'listFlowVersions',
      summary: 'Every version of a flow with its lineage: which change wrote it, which write undid it',
      tag: 'flows',
      permission: 'read',
      params: flowParams,
      responses: { 200: { description: 'The versions, oldest first', schema: flowVersionsSchema }, 404: noFlow },
      handle: ({ params }) => deps.changes.flowVersions(params.flowId),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/flows/:flowId/diff',
      operationId: 'diffFlow',
      summary: 'Two versions of a flow compared: JSON Patch and readable lines',
      description: 'Defaults: `to` the current version, `from` the one before `to`.',
      tag: 'flows',
      permission: 'read',
      params: flowParams,
      query: z.strictObject({ from: versionNumber.optional(), to: versionNumber.optional() }),
      responses: {
        200: { description: 'The diff', schema: flowDiffSchema },
        400: { description: 'A version the flow does not have, or from after to' },
        404: noFlow,
      },
      handle: ({ params, query }) => deps.changes.diffFlow(params.flowId, query),
    }),
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
        const requestedBy = requesterFor(identity, body.requestedBy);
        const changeId = changeIdFor(identity.actor, headers['idempotency-key']);
        const { restoreTo, ...options } = body;
        const started = await deps.changes.restoreFlow(params.flowId, restoreTo, { ...options, requestedBy, changeId });
        request.log.info({ changeId, flowId: params.flowId, created: started.created }, 'flow restore started');
        return startedAnswer(deps, reply, started);
      },
    }),
  ];
}

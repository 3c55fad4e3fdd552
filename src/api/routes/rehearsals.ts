import { z } from 'zod';
import { can } from '../../auth/identity';
import { TARGET_VALUES_NOTE, viewFor } from '../../auth/target-values';
import { changeIdSchema } from '../../domain/change-request';
import type { ApiDeps } from '../deps';
import { changeIdFor, idempotencyKeySchema } from '../idempotency';
import { ApiError } from '../problem';
import { rehearsalBodySchema, rehearsalReportSchema, startedRehearsalSchema } from '../rehearsal-schemas';
import { defineRoute, type AnyRoute } from '../route';

/** `/v1/rehearsals`: rehearse a change against the sandbox, then read the report. */
export function rehearsalRoutes(deps: ApiDeps): AnyRoute[] {
  const { changes } = deps;
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/rehearsals',
      operationId: 'startRehearsal',
      summary: 'Rehearse a change: apply, roll back and compare in the sandbox',
      description:
        'Give a stored change id or a change request. Its steps run against the sandbox only (copies of the touched MongoDB documents in the rehearsal database, the sandbox CRM and the partner sandboxes when configured); production is only read. Steps of kinds without a sandbox are reported "not-rehearsed"; a webhook request that would leave its sandbox, or a lead selection over REHEARSAL_MAX_LEADS, refuses the rehearsal before anything is copied. Poll `GET /v1/rehearsals/{rehearsalId}` for the report. With an Idempotency-Key a retry returns the same rehearsal.',
      tag: 'rehearsals',
      permission: 'start',
      headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
      body: rehearsalBodySchema,
      bodyName: 'RehearsalBody',
      responses: {
        201: { description: 'Started', schema: startedRehearsalSchema },
        200: { description: 'Already started with this key', schema: startedRehearsalSchema },
        404: { description: 'No such change' },
      },
      handle: async ({ headers, body, identity, reply }) => {
        if (body.request && body.request.requestedBy !== identity.actor && !can(identity, 'startOnBehalf')) {
          throw new ApiError(
            403,
            'NotAllowed',
            `requestedBy must be ${identity.actor} (only admins act on behalf of others)`,
          );
        }
        const rehearsalId = changeIdFor(identity.actor, headers['idempotency-key']).replace(/^c-/, 'r-');
        const subject = body.changeId ? { changeId: body.changeId } : { request: body.request! };
        const started = await changes.startRehearsal(subject, { rehearsalId });
        const self = `/v1/rehearsals/${rehearsalId}`;
        reply.code(started.created ? 201 : 200).header('location', self);
        return { ...started, links: { self, temporalUi: deps.workflowUrl(started.workflowId) } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/rehearsals/:rehearsalId',
      operationId: 'getRehearsal',
      summary:
        'Report of a finished rehearsal: per step exact, differs or not-rehearsed, and whether production was untouched',
      description: TARGET_VALUES_NOTE,
      tag: 'rehearsals',
      permission: 'read',
      params: z.strictObject({ rehearsalId: changeIdSchema }),
      responses: {
        200: { description: 'The report', schema: rehearsalReportSchema },
        404: { description: 'No such rehearsal' },
        409: { description: 'Still running, or it could not run to the end (the reason says why)' },
      },
      handle: async ({ params, identity }) => viewFor(identity, await changes.rehearsal(params.rehearsalId)),
    }),
  ];
}

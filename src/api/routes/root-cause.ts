import { z } from 'zod';
import { changeIdSchema } from '../../domain/change-request';
import type { ApiDeps } from '../deps';
import { defineRoute, type AnyRoute } from '../route';
import { rootCauseBodySchema, rootCauseResultSchema } from '../schemas';

/** `POST /v1/changes/:changeId/root-cause`: a note on a settled change's report, by the caller. */
export function rootCauseRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/changes/:changeId/root-cause',
      operationId: 'addRootCause',
      summary: 'Attach a root-cause note to a settled change',
      description:
        "The caller is the author. The note becomes the report's `rootCause` (shown in every rendering); earlier notes stay in `rootCauseHistory`. Sending the same note again adds nothing. 409 while the change still runs.",
      tag: 'changes',
      permission: 'annotate',
      params: z.strictObject({ changeId: changeIdSchema }),
      body: rootCauseBodySchema,
      bodyName: 'RootCauseBody',
      responses: {
        201: { description: 'Attached', schema: rootCauseResultSchema },
        404: { description: 'No such change' },
        409: { description: 'The change has not settled yet' },
      },
      handle: async ({ params, body, identity, reply }) => {
        const result = await deps.changes.addRootCause(params.changeId, { note: body.note, author: identity.actor });
        reply.code(201);
        return result;
      },
    }),
  ];
}

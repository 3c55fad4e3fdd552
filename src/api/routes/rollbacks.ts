import { z } from 'zod';
import { TARGET_VALUES_NOTE, viewFor } from '../../auth/target-values';
import { changeIdSchema } from '../../domain/change-request';
import type { ApiDeps } from '../deps';
import { changeIdFor, idempotencyKeySchema } from '../idempotency';
import { requesterFor, startedAnswer } from '../started';
import { defineRoute, type AnyRoute } from '../route';
import { rollbackLaterBodySchema, rollbackPreviewSchema, startedChangeSchema } from '../schemas';

const changeParams = z.strictObject({ changeId: changeIdSchema });

/** `/v1/changes/:changeId/rollback-preview` and `/rollback-later`: undoing a change after the fact. */
export function rollbackRoutes(deps: ApiDeps): AnyRoute[] {
  const { changes } = deps;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/changes/:changeId/rollback-preview',
      operationId: 'previewRollback',
      summary: 'What a rollback of the change would do now, per target, and what it would leave as conflicts',
      description: `Nothing is changed: the worker reads each target and diffs it against the step's recovery point (newest step first). \`counts\` says how many items a rollback would restore, leave as conflicts or find unchanged; \`conflicts\` samples up to 20 items someone changed since the change wrote them (a rollback leaves those and asks). Works for running and finished changes. 409 when the change kept no request to preview from (refused below the floor, or older than stored requests). ${TARGET_VALUES_NOTE}`,
      tag: 'changes',
      permission: 'rollback',
      params: changeParams,
      responses: {
        200: { description: 'The preview', schema: rollbackPreviewSchema },
        404: { description: 'No such change' },
        409: { description: 'Nothing to preview from' },
      },
      handle: async ({ params, identity }) => viewFor(identity, await changes.previewRollback(params.changeId)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/changes/:changeId/rollback-later',
      operationId: 'rollBackLater',
      summary: 'Roll back a finished change from the recovery points it kept (runs as a change of its own)',
      description:
        "Starts the rollback as a change with its own id (`changeId` in the answer, `Location` header): read it, decide on it and fetch its report with the `/v1/changes/{changeId}` routes; its report's `rollsBack` names the change it undoes. It is approved as the change's policy says (the operator's floor included) and its requester — the caller, unless an admin names someone — may not approve it or accept its conflicts. Every step is restored newest first; items changed since are asked about, never overwritten. With an Idempotency-Key a retry returns the same rollback (200). 409 while the change still runs (use `POST /v1/changes/{changeId}/rollback`) or when the key was used for another request.",
      tag: 'changes',
      permission: 'start',
      params: changeParams,
      headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
      body: rollbackLaterBodySchema,
      bodyName: 'RollbackLaterBody',
      responses: {
        201: { description: 'The rollback started', schema: startedChangeSchema.extend({ rollsBack: z.string() }) },
        200: {
          description: 'Already started with this key',
          schema: startedChangeSchema.extend({ rollsBack: z.string() }),
        },
        404: { description: 'No such change' },
        409: { description: 'The change still runs, or the key was reused with a different request' },
      },
      handle: async ({ params, headers, body, identity, request, reply }) => {
        const requestedBy = requesterFor(identity, body.requestedBy);
        const rollbackId = changeIdFor(identity.actor, headers['idempotency-key']);
        const started = await changes.rollBackLater(params.changeId, { ...body, requestedBy }, { rollbackId });
        request.log.info(
          { changeId: params.changeId, rollbackId, created: started.created },
          started.created ? 'rollback later started' : 'rollback later already existed',
        );
        return startedAnswer(deps, reply, started);
      },
    }),
  ];
}

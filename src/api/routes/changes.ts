import { z } from 'zod';
import { decidingGroups } from '../../auth/identity';
import { TARGET_VALUES_NOTE, viewFor } from '../../auth/target-values';
import { listFilterSchema } from '../../client/change-query';
import { checkDecisionInput } from '../../client/decision-input';
import { RequestRefusedError } from '../../client/errors';
import { changeIdSchema, changeRequestSchema } from '../../domain/change-request';
import type { DecisionName } from '../../domain/decisions';
import { renderReportMarkdown } from '../../report/markdown';
import { renderReportText } from '../../report/text';
import type { ApiDeps } from '../deps';
import { changeIdFor, idempotencyKeySchema } from '../idempotency';
import { requesterFor, startedAnswer } from '../started';
import { defineRoute, type AnyRoute } from '../route';
import {
  changePageSchema,
  changeReportSchema,
  changeViewSchema,
  decisionBodySchema,
  decisionOutcomeSchema,
  rollbackBodySchema,
  rollbackOutcomeSchema,
  startedChangeSchema,
} from '../schemas';

const changeParams = z.strictObject({ changeId: changeIdSchema });
const notFound = { description: 'No such change' };

/** `/v1/changes…`: start, list, status, report, decisions and manual rollback, over the typed client. */
export function changeRoutes(deps: ApiDeps): AnyRoute[] {
  const { changes } = deps;
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/changes',
      operationId: 'startChange',
      summary: 'Start a change',
      description:
        "Validates the change request and starts its workflow. With an Idempotency-Key, a retry returns the same change (200) instead of starting another; reusing a key with a different request is 409. `requestedBy` must be the caller unless the caller is an admin. The request runs tightened to the operator's policy floor (approval forced where the floor requires it, the floor's decider groups in the first escalation level); what cannot be tightened is refused with 400. The answer says what the change does first (`admission`: applying, awaiting-approval with the question, waiting-for-lock, or rejected with why), as the workflow answered within a few seconds, so the caller need not poll.",
      tag: 'changes',
      permission: 'start',
      headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
      body: changeRequestSchema,
      bodyName: 'ChangeRequest',
      responses: {
        201: { description: 'Started', schema: startedChangeSchema },
        200: { description: 'Already started with this key', schema: startedChangeSchema },
        409: { description: 'Key reused with a different request' },
      },
      handle: async ({ headers, body, identity, request, reply }) => {
        requesterFor(identity, body.requestedBy);
        const changeId = changeIdFor(identity.actor, headers['idempotency-key']);
        const started = await changes.start(request.body, { changeId });
        request.log.info(
          { changeId, created: started.created },
          started.created ? 'change started' : 'change already existed',
        );
        return startedAnswer(deps, reply, started);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/changes',
      operationId: 'listChanges',
      summary: 'List changes, newest first',
      description: 'Filters use the ChangeStatus, Targets and RequestedBy search attributes (eventually consistent).',
      tag: 'changes',
      permission: 'read',
      query: listFilterSchema.extend({ pageSize: z.coerce.number().int().min(1).max(100).default(20) }),
      responses: { 200: { description: 'One page of changes', schema: changePageSchema } },
      handle: ({ query }) => changes.list(query),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/changes/:changeId',
      operationId: 'getChange',
      summary: 'Status of a change: phase, steps, pending decisions with deadlines, timeline',
      description: TARGET_VALUES_NOTE,
      tag: 'changes',
      permission: 'read',
      params: changeParams,
      responses: { 200: { description: 'The change', schema: changeViewSchema }, 404: notFound },
      handle: async ({ params, identity }) => {
        const [status, summary] = await Promise.all([
          changes.status(params.changeId),
          changes.describe(params.changeId),
        ]);
        const { requestedBy, executionStatus, startedAt, closedAt, workflowId } = summary;
        return {
          ...viewFor(identity, status),
          requestedBy,
          executionStatus,
          startedAt,
          closedAt,
          links: { temporalUi: deps.workflowUrl(workflowId) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/changes/:changeId/report',
      operationId: 'getChangeReport',
      summary:
        'Report of a settled change (JSON; Markdown with a Mermaid Gantt chart with format=markdown; text with format=text)',
      description: TARGET_VALUES_NOTE,
      tag: 'changes',
      permission: 'read',
      params: changeParams,
      query: z.strictObject({ format: z.enum(['json', 'markdown', 'text']).default('json') }),
      responses: {
        200: { description: 'The report', schema: changeReportSchema, alsoAs: ['text/markdown', 'text/plain'] },
        404: notFound,
        409: { description: 'The change has not settled yet' },
      },
      handle: async ({ params, query, identity, reply }) => {
        const report = viewFor(identity, await changes.report(params.changeId));
        if (query.format === 'text') {
          reply.type('text/plain; charset=utf-8');
          return `${renderReportText(report)}\n`;
        }
        if (query.format === 'markdown') {
          reply.type('text/markdown; charset=utf-8');
          return renderReportMarkdown(report);
        }
        return report;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/changes/:changeId/decisions',
      operationId: 'decide',
      summary:
        'Answer the open question (approve, reject, retry, skip, rollback, hold, retry-compensation, resolved-manually)',
      description:
        "The caller is the deciding actor. 403 when the caller may not decide at the question's escalation level (break-glass groups of the operator's floor may decide at every level), or is the requester accepting their own change's risk (approve, skip, accept, resolved-manually); 409 when no question is open, the decision does not answer it, or the change has finished. A first approval of a risk-high change answers `partial`.",
      tag: 'changes',
      permission: 'decide',
      params: changeParams,
      body: decisionBodySchema,
      responses: {
        200: { description: 'The workflow took the decision', schema: decisionOutcomeSchema },
        403: { description: "Not a decider here, or accepting the risk of one's own change" },
        404: notFound,
        409: { description: 'Nothing to decide, wrong answer for the question, or the change has finished' },
      },
      handle: async ({ params, body, identity }) => {
        // decisionInputSchema types `decision` as string; the enum it checks is decisionNames.
        const decision = {
          ...body,
          decision: body.decision as DecisionName,
          actor: identity.actor,
          groups: decidingGroups(identity),
        };
        checkDecisionInput(decision);
        // One round trip: the update's validator refuses with a type the client maps to 403 / 409.
        const outcome = await changes.decide(params.changeId, decision);
        if (outcome.status === 'refused') throw new RequestRefusedError(params.changeId, outcome.reason);
        return outcome;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/changes/:changeId/rollback',
      operationId: 'requestRollback',
      summary: 'Roll back a running change now',
      description:
        "Allowed to the requester, to anyone who may decide at some escalation level, and to the break-glass groups of the operator's floor. A second request answers `already-requested`.",
      tag: 'changes',
      permission: 'rollback',
      params: changeParams,
      body: rollbackBodySchema,
      responses: {
        200: { description: 'Rollback requested (or already requested)', schema: rollbackOutcomeSchema },
        403: { description: 'Neither the requester nor a decider' },
        404: notFound,
        409: { description: 'The change has finished' },
      },
      handle: async ({ params, body, identity }) => {
        // One round trip: a finished change refuses the update (ChangeClosedError), as does its validator.
        const outcome = await changes.requestRollback(params.changeId, {
          ...body,
          actor: identity.actor,
          groups: decidingGroups(identity),
        });
        if (outcome.status === 'refused') throw new RequestRefusedError(params.changeId, outcome.reason);
        return outcome;
      },
    }),
  ];
}

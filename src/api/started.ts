import type { FastifyReply } from 'fastify';
import { can, type Identity } from '../auth/identity';
import type { StartedChange } from '../client/changes';
import type { ApiDeps } from './deps';
import { ApiError } from './problem';

/**
 * Who a request that starts a change (a change, a flow restore, a rollback later) names as its
 * requester: the caller, unless an admin names someone else.
 */
export function requesterFor(identity: Identity, requestedBy: string | undefined): string {
  const requester = requestedBy ?? identity.actor;
  if (requester !== identity.actor && !can(identity, 'startOnBehalf')) {
    throw new ApiError(
      403,
      'NotAllowed',
      `requestedBy must be ${identity.actor} (only admins start changes on behalf of others)`,
    );
  }
  return requester;
}

/** The answer to a start: 201 when this call created the change, 200 when it existed; its Location and links. */
export function startedAnswer<S extends StartedChange>(deps: ApiDeps, reply: FastifyReply, started: S) {
  const self = `/v1/changes/${started.changeId}`;
  reply.code(started.created ? 201 : 200).header('location', self);
  return { ...started, links: { self, temporalUi: deps.workflowUrl(started.workflowId) } };
}

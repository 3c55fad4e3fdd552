import type { FastifyRequest } from 'fastify';
import { can, tokenHash, type Identity, type Permission } from '../auth/identity';
import { ApiError } from './problem';

const challenge = { 'www-authenticate': 'Bearer realm="lead-rollback"' };

/**
 * Bearer-token authentication: the token is hashed and looked up, so the table holds no token and
 * lookups do not compare secrets byte by byte. The token never reaches a log line.
 */
export function authenticate(
  request: FastifyRequest,
  tokens: ReadonlyMap<string, Identity>,
  permission: Permission,
): Identity {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header) : null;
  if (!match) throw new ApiError(401, 'Unauthorized', 'send Authorization: Bearer <token>', challenge);
  const identity = tokens.get(tokenHash(match[1]!));
  if (!identity)
    throw new ApiError(401, 'Unauthorized', 'unknown token', {
      'www-authenticate': 'Bearer realm="lead-rollback", error="invalid_token"',
    });
  if (!can(identity, permission))
    throw new ApiError(403, 'NotAllowed', `${identity.actor} (${identity.roles.join(', ')}) may not ${permission}`);
  request.log.info({ actor: identity.actor }, 'authenticated');
  return identity;
}

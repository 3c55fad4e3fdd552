import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tokenHash, type Identity } from '../auth/identity';

export interface RateLimitOptions {
  /** Requests per caller per window on `/v1` and `/slack`. */
  max: number;
  timeWindowMs: number;
}

const PROBES = new Set(['/healthz', '/readyz', '/openapi.json']);

/**
 * Rate limits for `/v1` and `/slack`: a caller with a known token gets a bucket of its own, anyone
 * else (unknown tokens, Slack, strangers) shares the bucket of its address — so inventing tokens
 * buys no extra requests. Probes and the document are not limited. A refusal is a 429 problem with
 * `Retry-After`, like every other error of this API.
 */
export async function installRateLimit(
  app: FastifyInstance,
  tokens: ReadonlyMap<string, Identity>,
  options: RateLimitOptions,
): Promise<void> {
  // Not `global`: the plugin would append its check after each route's own onRequest hook, so an
  // authentication failure (401/403) would be answered before the request is ever counted. An
  // instance-level hook runs before every route-level one.
  await app.register(rateLimit, { global: false });
  app.addHook(
    'onRequest',
    app.rateLimit({
      max: options.max,
      timeWindow: options.timeWindowMs,
      allowList: (request) => PROBES.has(request.url.split('?')[0]!),
      keyGenerator: (request) => callerKey(request, tokens),
      errorResponseBuilder: (_request, context) =>
        Object.assign(
          new Error(
            `too many requests: at most ${context.max} per ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`,
          ),
          {
            statusCode: 429,
            code: 'RateLimited',
          },
        ),
    }),
  );
}

function callerKey(request: FastifyRequest, tokens: ReadonlyMap<string, Identity>): string {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(request.headers.authorization ?? '');
  if (match) {
    const hash = tokenHash(match[1]!);
    if (tokens.has(hash)) return `token:${hash}`;
  }
  return `address:${request.ip}`;
}

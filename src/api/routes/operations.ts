import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { ReadinessCheck } from '../deps';
import { defineRoute, type AnyRoute } from '../route';

/**
 * The probe is public, so it says which dependency is down and how (`unreachable` or `timeout`),
 * never the raw error text (addresses, driver messages): that goes to the server log.
 */
const readySchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    checks: z.record(
      z.string(),
      z.object({ ok: z.boolean(), ms: z.number(), problem: z.enum(['unreachable', 'timeout']).optional() }),
    ),
  })
  .meta({ id: 'Readiness' });

/** Every check gets this long; a hung dependency makes the probe fail, not hang. */
const CHECK_TIMEOUT_MS = 2000;

const TIMED_OUT = Symbol('timed out');

async function timed(
  check: ReadinessCheck,
  log: FastifyBaseLogger,
): Promise<{ ok: boolean; ms: number; problem?: 'unreachable' | 'timeout' }> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      check.check(),
      new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), CHECK_TIMEOUT_MS))),
    ]);
    if (outcome === TIMED_OUT) {
      log.warn({ dependency: check.name, ms: ms() }, 'readiness check timed out');
      return { ok: false, ms: ms(), problem: 'timeout' };
    }
    return { ok: true, ms: ms() };
  } catch (err) {
    log.warn({ dependency: check.name, err }, 'readiness check failed');
    return { ok: false, ms: ms(), problem: 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness, readiness (Temporal and MongoDB) and the OpenAPI document. */
export function operationRoutes(readiness: ReadinessCheck[], document: () => Record<string, unknown>): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      summary: 'Liveness: the process serves requests (checks no dependency)',
      tag: 'operations',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      handle: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      operationId: 'ready',
      summary: 'Readiness: Temporal and MongoDB answer',
      tag: 'operations',
      responses: {
        200: { description: 'Ready', schema: readySchema },
        503: { description: 'A dependency does not answer', schema: readySchema },
      },
      handle: async ({ reply, request }) => {
        const results = await Promise.all(readiness.map(async (c) => [c.name, await timed(c, request.log)] as const));
        const ready = results.every(([, r]) => r.ok);
        reply.code(ready ? 200 : 503);
        return { status: ready ? 'ready' : 'not-ready', checks: Object.fromEntries(results) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'operations',
      responses: { 200: { description: 'The document' } },
      handle: async () => document(),
    }),
  ];
}

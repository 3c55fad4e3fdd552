import { z } from 'zod';
import type { ReadinessCheck } from '../deps';
import { defineRoute, type AnyRoute } from '../route';

const readySchema = z
  .object({ status: z.enum(['ready', 'not-ready']), checks: z.record(z.string(), z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() })) })
  .meta({ id: 'Readiness' });

/** Every check gets this long; a hung dependency makes the probe fail, not hang. */
const CHECK_TIMEOUT_MS = 2000;

async function timed(check: ReadinessCheck): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check.check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)))]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message };
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
      responses: { 200: { description: 'Ready', schema: readySchema }, 503: { description: 'A dependency does not answer', schema: readySchema } },
      handle: async ({ reply }) => {
        const results = await Promise.all(readiness.map(async (c) => [c.name, await timed(c)] as const));
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

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { tokenHash, type Identity } from '../../src/auth/identity';
import { buildApiServer } from '../../src/api/server';
import type { ChangeClient } from '../../src/client/change-client';

// Every request here is refused before the change client (authentication, roles, limits).
const unreachable = new Proxy(
  {},
  { get: () => () => Promise.reject(new Error('the client must not be called')) },
) as unknown as ChangeClient;
const KNOWN = 'known-token-of-a-requester-01';
const requester: Identity = { actor: 'requester@example.com', roles: ['requester'], groups: [] };

describe('API protection: rate limits per caller and a readiness probe that tells no secrets', () => {
  let app: FastifyInstance;
  let base: string;
  const get = (url: string, token?: string) =>
    fetch(`${base}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const decide = (token: string) =>
    fetch(`${base}/v1/changes/c-1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });

  beforeAll(async () => {
    app = await buildApiServer(
      {
        changes: unreachable,
        readiness: [
          {
            name: 'mongodb',
            check: () => Promise.reject(new Error('connect ECONNREFUSED 10.20.30.40:27017 (user lead_rollback)')),
          },
          { name: 'temporal', check: () => new Promise<void>(() => {}) },
        ],
        workflowUrl: (id) => id,
      },
      { tokens: new Map([[tokenHash(KNOWN), requester]]), logger: false, rateLimit: { max: 3, timeWindowMs: 60_000 } },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(() => app.close());

  test('given a stranger inventing a new token for every request, when the limit is used up, then the next is a 429 problem with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/v1/changes', `invented-token-number-${i}-xxxxxxxx`)).status);
    const limited = await get('/v1/changes', 'yet-another-invented-token-xxxxxxxx');

    expect(statuses).toEqual([401, 401, 401]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({
      status: 429,
      code: 'RateLimited',
      detail: expect.stringContaining('at most 3'),
    });
  });

  test('given the address is limited, when a known token calls, then it has a bucket of its own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await decide(KNOWN)).status);
    // The requester may not decide (403) until its own three requests are used up.
    expect(statuses).toEqual([403, 403, 403, 429]);
  });

  test('given every bucket is used up, then the probes and the document still answer', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/openapi.json')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
  });

  test('given a dependency failing with an address in its error and one hanging, when probed, then it says which is down and how, never the raw error', async () => {
    const response = await get('/readyz');
    const text = await response.text();

    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      status: 'not-ready',
      checks: { mongodb: { ok: false, problem: 'unreachable' }, temporal: { ok: false, problem: 'timeout' } },
    });
    expect(text).not.toMatch(/ECONNREFUSED|10\.20\.30\.40|lead_rollback/);
  });
});

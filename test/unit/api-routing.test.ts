import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../../src/api/server';
import type { ChangeClient } from '../../src/client/change-client';
import { unresolvedRefs, validateOpenApi } from '../helpers/openapi-validate';

// Routing only: the change client is never reached (every request here is refused before it).
const unreachable = new Proxy(
  {},
  { get: () => () => Promise.reject(new Error('the client must not be called')) },
) as unknown as ChangeClient;

// Fastify's inject() loads an ESM-only dependency jest cannot require, so these talk real HTTP on loopback.
describe('API routing and the generated OpenAPI document (no Temporal or database needed)', () => {
  let app: FastifyInstance;
  let base: string;
  const request = async (
    method: string,
    url: string,
    init: { headers?: Record<string, string>; payload?: unknown; raw?: string } = {},
  ) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { ...(init.payload !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.raw ?? (init.payload !== undefined ? JSON.stringify(init.payload) : undefined),
    });
    const text = await response.text();
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), json: () => JSON.parse(text) };
  };
  let document: { paths: Record<string, Record<string, { security?: unknown[]; operationId: string }>> };

  beforeAll(async () => {
    app = await buildApiServer(
      { changes: unreachable, readiness: [], workflowUrl: (id) => id },
      {
        tokens: new Map(),
        logger: false,
        slack: {
          signingSecret: 'x'.repeat(32),
          users: new Map(),
          replayGuard: { firstSeen: async () => true },
          responseUrlOrigins: [],
          responseTimeoutMs: 100,
        },
      },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    document = (await request('GET', '/openapi.json')).json();
  });

  afterAll(() => app.close());

  test('given the document, then it validates as OpenAPI 3.1 and every $ref resolves', () => {
    const validation = validateOpenApi(document);
    expect(validation.output).toContain('"valid": true');
    expect(unresolvedRefs(document as unknown as Record<string, unknown>)).toEqual([]);
  });

  test('given every operation in the document, then the server has that route, and operation ids are unique', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBe(22);
    for (const { path, method } of operations)
      expect(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') })).toBe(
        true,
      );
    expect(new Set(operations.map((o) => o.op.operationId)).size).toBe(operations.length);
  });

  test('given every bearer-protected operation called without a token and with a bad body, then each is 401 problem JSON (authentication before validation)', async () => {
    const protectedOps = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => (op.security ?? []).length > 0)
        .map(([method]) => ({ method, url: path.replace('{changeId}', 'c-1') })),
    );
    expect(protectedOps.length).toBe(17);
    for (const { method, url } of protectedOps) {
      const response = await request(method.toUpperCase(), url, {
        payload: method === 'post' ? { nonsense: true } : undefined,
      });
      expect({ url, status: response.statusCode, type: response.headers['content-type'] }).toEqual({
        url,
        status: 401,
        type: 'application/problem+json; charset=utf-8',
      });
      expect(response.json()).toMatchObject({ code: 'Unauthorized', requestId: expect.any(String) });
    }
  });

  test('given unknown routes and unsigned Slack posts, then 404 and 401 problems; malformed JSON without a token is 401 too', async () => {
    expect((await request('GET', '/v2/changes')).json()).toMatchObject({ status: 404, code: 'RouteNotFound' });
    const unsigned = await request('POST', '/slack/commands', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: 'user_id=U1&text=status',
    });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ code: 'SlackSignatureRejected' });
    const malformed = await request('POST', '/v1/changes', {
      headers: { 'content-type': 'application/json' },
      raw: '{"title":',
    });
    expect(malformed.statusCode).toBe(401);
  });
});

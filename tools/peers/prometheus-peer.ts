import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PrometheusPeer {
  url: string;
  /** Sets what a PromQL query returns from now on (null: an empty vector). */
  set(query: string, value: number | null): void;
  /** Queries received, in order, with the evaluation time asked for. */
  queries(): { query: string; time?: string }[];
  stop(): Promise<void>;
}

/**
 * A small real HTTP server speaking the Prometheus instant-query API (`GET|POST /api/v1/query`),
 * answering each PromQL query with the value a test or demo set for it. Loopback only.
 */
export async function startPrometheusPeer(options: { token?: string } = {}): Promise<PrometheusPeer> {
  const values = new Map<string, number | null>();
  const received: { query: string; time?: string }[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/api/v1/query')
      return reply(404, { status: 'error', errorType: 'not_found', error: 'unknown path' });
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`)
      return reply(401, { status: 'error', errorType: 'unauthorized', error: 'bad token' });
    const query = url.searchParams.get('query');
    if (!query) return reply(400, { status: 'error', errorType: 'bad_data', error: 'missing query' });
    const time = url.searchParams.get('time') ?? undefined;
    received.push({ query, time });
    const value = values.get(query);
    const at = time ? Number(time) : Date.now() / 1000;
    const result = value === undefined || value === null ? [] : [{ metric: {}, value: [at, String(value)] }];
    return reply(200, { status: 'success', data: { resultType: 'vector', result } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (query, value) => void values.set(query, value),
    queries: () => [...received],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

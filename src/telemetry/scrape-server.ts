import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ScrapeServer {
  /** `http://host:port`, as bound. */
  url: string;
  close(): Promise<void>;
}

export interface ScrapeOptions {
  host: string;
  port: number;
  registry: Registry;
  /** More exposition text appended to the registry's (the SDK's runtime metrics in the worker). */
  more?: () => Promise<string>;
  log?: (message: string, err: unknown) => void;
}

/**
 * `GET /metrics` on a listener of its own (METRICS_HOST, METRICS_PORT), never on the public API
 * port: what a process exports is for the operator's Prometheus, not for callers of the API.
 */
export async function startScrapeServer(options: ScrapeOptions): Promise<ScrapeServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') return void response.writeHead(404).end();
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return void response.writeHead(405, { allow: 'GET, HEAD' }).end();
    exposition(options).then(
      (text) => {
        response.writeHead(200, { 'content-type': options.registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        options.log?.('metrics scrape failed', err);
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

async function exposition(options: ScrapeOptions): Promise<string> {
  const own = await options.registry.metrics();
  if (!options.more) return own;
  const more = await options.more();
  return `${own.endsWith('\n') ? own : `${own}\n`}${more}`;
}

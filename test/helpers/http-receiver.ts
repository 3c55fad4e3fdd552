import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from './harness';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A real HTTP server on loopback that records what it receives, standing in for Slack's incoming
 * webhooks, `response_url` and a partner's webhook endpoint. `respond` can make it fail on purpose.
 */
export interface HttpReceiver {
  url: string;
  received: ReceivedRequest[];
  respond: (request: ReceivedRequest) => { status: number; body?: string };
  waitFor(predicate: (request: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<HttpReceiver> {
  const receiver: HttpReceiver = {
    url: '',
    received: [],
    respond: () => ({ status: 200, body: 'ok' }),
    waitFor: (predicate, timeoutMs) => eventually(async () => receiver.received.find(predicate), timeoutMs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      receiver.received.push(request);
      const { status, body } = receiver.respond(request);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body ?? '');
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

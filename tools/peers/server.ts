import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  FaultInjector,
  faultConfigSchema,
  scriptedFaultSchema,
  type Fault,
  type FaultConfigInput,
  type FaultKind,
} from './faults';

/**
 * The scaffold both peers share: a real `node:http` server on loopback with a request log,
 * per-`Idempotency-Key` counters, fault injection and admin routes under `/__peer/`.
 *
 * Why `node:http` and not a framework: the peers need raw control of the socket (answer late,
 * destroy a connection after doing the work), have a dozen routes, and must not add a dependency
 * to the product for test and demo support.
 *
 * Admin routes (never faulted, never logged, not authenticated — the peers bind to 127.0.0.1):
 * - `GET /__peer/requests[?since=SEQ][&key=IDEMPOTENCY_KEY]` — the request log;
 * - `DELETE /__peer/requests` — clears the log and the counters;
 * - `GET /__peer/stats` — counts by status, injected faults, and per idempotency key
 *   `{ received, processed, effects }`;
 * - `GET /__peer/faults`, `POST /__peer/faults` (replace the configuration, see faults.ts),
 *   `POST /__peer/faults/script` (queue scripted faults: one object or an array);
 * - `GET /__peer/state` — the peer's state (CRM properties and records; webhook deliveries).
 */

export interface PeerRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: string;
  /** Lower-case names; `authorization` redacted. */
  headers: Record<string, string>;
  idempotencyKey?: string;
  body: unknown;
  /** Undefined when the connection was dropped without an answer. */
  status?: number;
  fault?: FaultKind;
  /** The handler ran (it was not refused by a fault or by authentication). */
  processed: boolean;
  /** The handler changed the peer's state (a repeated write that changes nothing is not an effect). */
  effect: boolean;
  /** The webhook receiver answered from its idempotency cache. */
  replayed?: boolean;
  /** The webhook receiver's signature check. */
  signature?: string;
  durationMs?: number;
}

export interface KeyStats {
  received: number;
  processed: number;
  effects: number;
}

export interface PeerStats {
  requests: number;
  byStatus: Record<string, number>;
  faults: Record<FaultKind, number>;
  keys: Record<string, KeyStats>;
}

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  idempotencyKey?: string;
  /** The log entry; handlers may annotate it (signature check, replay). */
  entry: PeerRequest;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Default true. */
  processed?: boolean;
  /** Default false. */
  effect?: boolean;
}

export interface PeerServerOptions {
  name: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port chosen by the kernel. */
  port?: number;
  faults?: FaultConfigInput;
  /** Oldest entries are dropped past this; default 100 000. */
  maxLog?: number;
  /** A refusal (e.g. 401) for requests that may not be processed; runs after injected faults. */
  authorize?(call: Call): Reply | undefined;
  handle(call: Call): Reply | Promise<Reply>;
  state(): unknown;
  /** Error body in the peer's own dialect. */
  errorBody(status: number, message: string, category: string): unknown;
}

export interface PeerServer {
  url: string;
  port: number;
  faults: FaultInjector;
  requests(filter?: { since?: number; key?: string }): PeerRequest[];
  stats(): PeerStats;
  clearLog(): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startPeerServer(options: PeerServerOptions): Promise<PeerServer> {
  const faults = new FaultInjector(options.faults);
  const maxLog = options.maxLog ?? 100_000;
  let log: PeerRequest[] = [];
  let keys = new Map<string, KeyStats>();
  let seq = 0;
  const sleepers = new Set<() => void>();

  function keyStats(key: string): KeyStats {
    let stats = keys.get(key);
    if (!stats) keys.set(key, (stats = { received: 0, processed: 0, effects: 0 }));
    return stats;
  }

  function requests(filter: { since?: number; key?: string } = {}): PeerRequest[] {
    return log.filter(
      (r) =>
        (filter.since === undefined || r.seq > filter.since) &&
        (filter.key === undefined || r.idempotencyKey === filter.key),
    );
  }

  function stats(): PeerStats {
    const byStatus: Record<string, number> = {};
    for (const r of log) {
      const status = r.status === undefined ? 'dropped' : String(r.status);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    return { requests: log.length, byStatus, faults: { ...faults.injected }, keys: Object.fromEntries(keys) };
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return;
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...(payload ? { 'content-type': 'application/json' } : {}), ...reply.headers });
    res.end(payload);
  }

  function admin(method: string, path: string, query: URLSearchParams, body: unknown): Reply {
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /__peer/requests': {
        const since = query.get('since');
        return {
          status: 200,
          body: {
            requests: requests({
              since: since === null ? undefined : Number(since),
              key: query.get('key') ?? undefined,
            }),
          },
        };
      }
      case 'DELETE /__peer/requests':
        log = [];
        keys = new Map();
        return { status: 204 };
      case 'GET /__peer/stats':
        return { status: 200, body: stats() };
      case 'GET /__peer/faults':
        return { status: 200, body: faults.current() };
      case 'POST /__peer/faults': {
        const parsed = faultConfigSchema.safeParse(body ?? {});
        if (!parsed.success) return { status: 400, body: { message: z.prettifyError(parsed.error) } };
        return { status: 200, body: faults.configure(parsed.data) };
      }
      case 'POST /__peer/faults/script': {
        const parsed = z.array(scriptedFaultSchema).safeParse(Array.isArray(body) ? body : [body]);
        if (!parsed.success) return { status: 400, body: { message: z.prettifyError(parsed.error) } };
        faults.enqueue(...parsed.data);
        return { status: 200, body: faults.current() };
      }
      case 'GET /__peer/state':
        return { status: 200, body: options.state() };
      default:
        return { status: 404, body: { message: `no admin route ${route}` } };
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://peer.invalid');
    const path = url.pathname;
    const rawBody = await readBody(req);
    if (rawBody === undefined)
      return send(res, { status: 413, body: options.errorBody(413, 'request body too large', 'VALIDATION_ERROR') });
    let body: unknown;
    let badJson = false;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        badJson = true;
        body = rawBody;
      }
    }
    if (path.startsWith('/__peer/')) return send(res, admin(method, path, url.searchParams, body));

    const idempotencyKey = headerValue(req.headers, 'idempotency-key');
    const entry: PeerRequest = {
      seq: ++seq,
      at: new Date(started).toISOString(),
      method,
      path,
      query: url.search,
      headers: loggedHeaders(req.headers),
      idempotencyKey,
      body,
      processed: false,
      effect: false,
    };
    log.push(entry);
    if (log.length > maxLog) log.splice(0, log.length - maxLog);
    const counters = idempotencyKey ? keyStats(idempotencyKey) : undefined;
    if (counters) counters.received += 1;

    const finish = (reply: Reply | undefined, fault?: Fault) => {
      entry.fault = fault?.kind;
      entry.durationMs = Date.now() - started;
      if (!reply) {
        req.socket.destroy();
        return;
      }
      entry.status = reply.status;
      send(res, reply);
    };

    const fault = faults.decide(method, path);
    if (fault && (fault.kind === 'error' || fault.kind === 'rate-limit' || fault.kind === 'status')) {
      const headers = fault.retryAfter === undefined ? undefined : { 'retry-after': fault.retryAfter };
      const category =
        fault.kind === 'rate-limit' ? 'RATE_LIMITS' : fault.kind === 'status' ? 'INJECTED' : 'INTERNAL_ERROR';
      return finish(
        {
          status: fault.status!,
          headers,
          body: options.errorBody(fault.status!, `injected fault: ${fault.kind}`, category),
        },
        fault,
      );
    }

    const call: Call = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      body,
      idempotencyKey,
      entry,
    };
    let reply = options.authorize?.(call);
    if (!reply) {
      if (badJson) {
        reply = {
          status: 400,
          processed: false,
          body: options.errorBody(400, 'Invalid input JSON', 'VALIDATION_ERROR'),
        };
      } else {
        try {
          reply = await options.handle(call);
        } catch (err) {
          reply = {
            status: 500,
            body: options.errorBody(500, `peer error: ${(err as Error).message}`, 'INTERNAL_ERROR'),
          };
        }
      }
    } else {
      reply = { processed: false, ...reply };
    }
    entry.processed = reply.processed ?? true;
    entry.effect = entry.processed && (reply.effect ?? false);
    if (counters && entry.processed) counters.processed += 1;
    if (counters && entry.effect) counters.effects += 1;

    if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 0);
    if (fault?.kind === 'drop') return finish(undefined, fault);
    return finish(reply, fault);
  }

  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, { status: 500, body: options.errorBody(500, (err as Error).message, 'INTERNAL_ERROR') });
    });
  });
  // Peers are local test and demo servers: never keep an idle client's connection hostage at stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    faults,
    requests,
    stats,
    clearLog() {
      log = [];
      keys = new Map();
    },
    async stop() {
      for (const wake of [...sleepers]) wake();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function loggedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = name === 'authorization' ? 'Bearer (redacted)' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

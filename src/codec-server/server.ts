import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseOrThrow, ValidationError } from '../domain/validation';
import { payloadFromJson, payloadsBodySchema, payloadToJson } from './payload-json';

export interface CodecServerOptions {
  /** The codec the workers use (same keys): payloads are run through it. */
  codec: PayloadCodec;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Browser origins allowed to call (the Temporal Web UI's), exact `scheme://host[:port]`. */
  corsOrigins: string[];
  /** Namespaces whose payloads may be encoded/decoded (`X-Namespace`), or '*' for any. */
  namespaces: string[] | '*';
  /** Accepted bearer tokens (`Authorization: Bearer <token>`). */
  tokens?: string[];
  /** Serve without a token — refused unless `host` is a loopback address. */
  allowUnauthenticated?: boolean;
  /** Largest request body in bytes; default 8 MiB. */
  bodyLimit?: number;
  /** Called once per request with method, path, status and duration (never bodies or headers). */
  log?: (line: string) => void;
}

export interface RunningCodecServer {
  /** Base URL, e.g. `http://127.0.0.1:8888`: the UI's and the CLI's codec endpoint. */
  readonly url: string;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/**
 * Temporal's codec-server protocol over Fastify: `POST …/encode` and `POST …/decode` (only the last
 * path segment counts, so it can be mounted under any prefix), bodies `{ payloads: [...] }` in
 * proto3 JSON. Order of checks: CORS origin (403 for a browser origin not listed; preflights from
 * listed origins are answered before auth, as browsers send no credentials with them), bearer token
 * (401), `X-Namespace` (400 when missing, 403 when not allowed), body (400 naming the field), codec
 * (400 when a payload cannot be decrypted).
 */
export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const host = options.host ?? '127.0.0.1';
  const tokens = options.tokens ?? [];
  if (tokens.length === 0 && !options.allowUnauthenticated) {
    throw new Error(
      'codec server needs bearer tokens (CODEC_SERVER_TOKENS), or allowUnauthenticated on a loopback host',
    );
  }
  if (options.allowUnauthenticated && tokens.length === 0 && !isLoopbackHost(host)) {
    throw new Error(`codec server without tokens may only bind a loopback address, not ${host}`);
  }
  const origins = new Set(options.corsOrigins);
  const namespaces = options.namespaces === '*' ? '*' : new Set(options.namespaces);
  const tokenDigests = tokens.map(digest);

  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 8 * 1024 * 1024 });

  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    if (err instanceof ValidationError) return reply.code(400).send({ error: err.message, issues: err.issues });
    if (err instanceof HttpError) return reply.code(err.statusCode).headers(err.headers).send({ error: err.message });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: err.message });
    options.log?.(`codec server error: ${err.message}`);
    return reply.code(500).send({ error: 'internal error' });
  });

  if (options.log) {
    const log = options.log;
    app.addHook('onResponse', async (request, reply) => {
      log(`${request.method} ${request.url.split('?')[0]} ${reply.statusCode} ${reply.elapsedTime.toFixed(0)}ms`);
    });
  }

  await app.register(cors, {
    origin: (origin, callback) => {
      if (!origin) return callback(null, false); // not a browser (CLI, SDK): no CORS headers
      if (origins.has(origin)) return callback(null, origin);
      callback(new HttpError(403, `origin ${origin.slice(0, 200)} is not allowed (CODEC_CORS_ORIGINS)`), false);
    },
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
    // The UI's "include cross-origin credentials" setting needs it; safe with an exact-origin list.
    credentials: true,
    maxAge: 600,
  });

  // Registered after CORS: preflights from allowed origins never reach it.
  app.addHook('onRequest', async (request) => {
    if (tokenDigests.length > 0) authenticate(request.headers.authorization, tokenDigests);
    const namespace = request.headers['x-namespace'];
    if (typeof namespace !== 'string' || namespace.length === 0)
      throw new HttpError(400, 'the X-Namespace header is required');
    if (namespaces !== '*' && !namespaces.has(namespace))
      throw new HttpError(403, `namespace ${namespace.slice(0, 200)} is not served here`);
  });

  app.post('/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const operation = request.url.split('?')[0]!.split('/').filter(Boolean).pop();
    if (operation !== 'encode' && operation !== 'decode')
      throw new HttpError(404, 'not found: POST …/encode or …/decode');
    const body = parseOrThrow(payloadsBodySchema, request.body, 'request body');
    const output = [];
    // One payload at a time, so an error names the payload that failed.
    for (const [index, json] of body.payloads.entries()) {
      const input = [payloadFromJson(json)];
      try {
        output.push(
          ...(operation === 'encode' ? await options.codec.encode(input) : await options.codec.decode(input)),
        );
      } catch (err) {
        throw new HttpError(400, `payloads.${index}: cannot ${operation}: ${(err as Error).message}`);
      }
    }
    // Decoded payloads are personal data: nothing on the way may keep a copy.
    return reply.header('cache-control', 'no-store').send({ payloads: output.map(payloadToJson) });
  });

  return app;
}

/** Starts the codec server; `stop()` closes it. */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const app = await buildCodecServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    async stop() {
      await app.close();
    },
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Bearer token check in constant time (digests compared, every configured token tried). */
function authenticate(header: string | undefined, accepted: Buffer[]): void {
  const challenge = { 'www-authenticate': 'Bearer realm="lead-rollback codec"' };
  if (!header) throw new HttpError(401, 'an Authorization: Bearer <token> header is required', challenge);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new HttpError(401, 'the Authorization header must be "Bearer <token>"', challenge);
  const presented = digest(match[1]!);
  let ok = false;
  for (const candidate of accepted) ok = timingSafeEqual(candidate, presented) || ok;
  if (!ok)
    throw new HttpError(401, 'the bearer token is not accepted', {
      'www-authenticate': 'Bearer realm="lead-rollback codec", error="invalid_token"',
    });
}

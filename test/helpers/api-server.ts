import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApiServer } from '../../src/api/server';
import { readinessChecks } from '../../src/api/readiness';
import type { Identity } from '../../src/auth/identity';
import { tokenHash } from '../../src/auth/identity';
import { SLACK_TOLERANCE_SECONDS } from '../../src/slack/signature';
import { MongoReplayGuard } from '../../src/store/replay-guard';
import { ChangeClient } from '../../src/client/change-client';

/** Long enough for a loaded machine's worker to answer the admission; the product's default is 10 s. */
const ADMISSION_TEST_WAIT_MS = 60_000;
import type { RequestGuard } from '../../src/client/request-guard';
import type { TelemetrySink } from '../../src/domain/telemetry';
import { workflowUiUrl } from '../../src/config/index';
import { Client, type Connection } from '@temporalio/client';
import { clientInterceptors, type Tracing } from '../../src/telemetry/tracing';
import type { TestEnv } from './harness';
import { EVENT_BOUND_MS } from './bounds';

export const UI = { TEMPORAL_UI_URL: 'http://127.0.0.1:8233', TEMPORAL_NAMESPACE: 'default' };

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  changes: ChangeClient;
  /** Every JSON log line the server wrote. */
  logs: Record<string, unknown>[];
  rawLogs: string[];
  close(): Promise<void>;
}

export interface ApiTestOptions {
  /** token → identity */
  tokens: Record<string, Identity>;
  slack?: {
    signingSecret: string;
    users: Record<string, Identity>;
    responseUrlOrigins: string[];
    responseTimeoutMs?: number;
  };
  /** The operator checks the API's client applies; default the env's (as src/api/main.ts builds them from the configuration). */
  guard?: RequestGuard;
  /** Tracing as src/api/main.ts wires it: server spans, and the client's interceptors on a client of its own. */
  tracing?: Tracing;
  /** Where request metrics go (as src/api/main.ts passes them with METRICS_PORT). */
  telemetry?: TelemetrySink;
}

/** The real API server (as src/api/main.ts builds it) on a free loopback port, over the test env. */
export async function startApi(env: TestEnv, options: ApiTestOptions): Promise<RunningApi> {
  const rawLogs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      rawLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const client = options.tracing
    ? new Client({
        connection: env.client.connection,
        namespace: env.client.options.namespace,
        dataConverter: env.dataConverter,
        interceptors: clientInterceptors(options.tracing),
      })
    : env.client;
  const changes = new ChangeClient(client, env.taskQueue, {
    db: env.db,
    guard: options.guard ?? env.guard,
    // The API answers with the admission: waited for long enough that a busy machine still gets it.
    admissionWaitMs: ADMISSION_TEST_WAIT_MS,
  });
  const app = await buildApiServer(
    {
      changes,
      readiness: readinessChecks(env.client.connection as Connection, env.db),
      workflowUrl: (id) => workflowUiUrl(UI, id),
    },
    {
      tokens: new Map(Object.entries(options.tokens).map(([token, identity]) => [tokenHash(token), identity])),
      logger: { level: 'info', stream },
      tracer: options.tracing?.tracer,
      telemetry: options.telemetry,
      slack: options.slack && {
        signingSecret: options.slack.signingSecret,
        users: new Map(Object.entries(options.slack.users)),
        replayGuard: new MongoReplayGuard(env.db, SLACK_TOLERANCE_SECONDS),
        responseUrlOrigins: options.slack.responseUrlOrigins,
        // Generous, so a busy machine never turns a confirmed decision into "not confirmed"; the
        // deadline itself is tested with a short one of its own.
        responseTimeoutMs: options.slack.responseTimeoutMs ?? EVENT_BOUND_MS,
      },
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    url,
    changes,
    rawLogs,
    get logs() {
      return rawLogs.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    close: () => app.close(),
  };
}

/** fetch with a bearer token and JSON, returning status, headers and parsed body. */
export async function call(
  api: { url: string },
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text/plain answers stay text
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, body: body as any };
}

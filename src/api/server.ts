import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Identity } from '../auth/identity';
import { ChatOps } from '../chatops/chat-ops';
import type { ReplayGuard } from '../store/replay-guard';
import { slackRoutes } from '../chatops/routes';
import type { ApiDeps } from './deps';
import { parseJsonBody } from './json-body';
import { openApiDocument } from './openapi';
import { slackPaths } from './openapi-slack';
import { installProblemHandlers } from './problem';
import { installRateLimit, type RateLimitOptions } from './rate-limit';
import { registerRoutes } from './route';
import { changeRoutes } from './routes/changes';
import { flowRoutes } from './routes/flows';
import { insightRoutes } from './routes/insights';
import { rollbackRoutes } from './routes/rollbacks';
import { operationRoutes } from './routes/operations';
import { rehearsalRoutes } from './routes/rehearsals';
import { rootCauseRoutes } from './routes/root-cause';
import { traceRequests } from './tracing';
import type { TelemetrySink } from '../domain/telemetry';
import { installHttpMetrics } from '../telemetry/http-metrics';

export interface ApiServerOptions {
  /** Token hash → identity (see API_TOKENS). */
  tokens: ReadonlyMap<string, Identity>;
  /** Chat ops are mounted only when a signing secret is configured. */
  slack?: {
    signingSecret: string;
    users: ReadonlyMap<string, Identity>;
    replayGuard: ReplayGuard;
    responseUrlOrigins: string[];
    responseTimeoutMs: number;
  };
  /** Per caller on `/v1` and `/slack`; default 600 requests a minute. */
  rateLimit?: RateLimitOptions;
  /** pino options (level, destination stream in tests). */
  logger?: FastifyServerOptions['logger'];
  version?: string;
  /** With tracing on (OTEL_*, docs/tracing.md): a server span per request, parent of what it starts. */
  tracer?: Tracer;
  /** Where request metrics go (METRICS_PORT); without it nothing is counted. */
  telemetry?: TelemetrySink;
}

const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, timeWindowMs: 60_000 };

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP API and chat ops on one Fastify server: JSON logs with a request id on every line
 * (a caller's `X-Request-Id` is kept when it is sane), RFC 9457 errors, bearer-token auth, and the
 * OpenAPI document generated from the same route specs.
 */
export async function buildApiServer(deps: ApiDeps, options: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? {
      level: 'info',
      redact: ['req.headers.authorization', 'req.headers["x-slack-signature"]'],
    },
    requestIdHeader: false,
    // Probes hit /healthz and /readyz every few seconds; their lines would drown the rest.
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (request) => request.url === '/healthz' || request.url === '/readyz',
    }),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    // Hosting behind a proxy is common; the body limit keeps one request from holding the process.
    bodyLimit: 1024 * 1024,
  });
  // First, so every hook and route added below runs inside the request's span.
  if (options.tracer) traceRequests(app, options.tracer);
  // Every body this API takes is JSON (chat ops add their own form parser): any other media type
  // is a 415 naming it, instead of a string body failing validation as "expected object".
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  if (options.telemetry) installHttpMetrics(app, options.telemetry);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installProblemHandlers(app);
  await installRateLimit(app, options.tokens, options.rateLimit ?? DEFAULT_RATE_LIMIT);

  // The document describes every route, including the one that serves it.
  const holder: { document?: Record<string, unknown> } = {};
  const routes = [
    ...changeRoutes(deps),
    ...rootCauseRoutes(deps),
    ...rollbackRoutes(deps),
    ...insightRoutes(deps),
    ...flowRoutes(deps),
    ...rehearsalRoutes(deps),
    ...operationRoutes(deps.readiness, () => holder.document!),
  ];
  holder.document = openApiDocument(routes, {
    version: options.version ?? '0.1.0',
    extraPaths: options.slack ? slackPaths : {},
  });
  registerRoutes(app, routes, options.tokens);

  if (options.slack) {
    const { slack } = options;
    const chatOps = new ChatOps({
      changes: deps.changes,
      users: slack.users,
      timeoutMs: slack.responseTimeoutMs,
      workflowUrl: deps.workflowUrl,
    });
    await app.register(async (scope) =>
      slackRoutes(scope, {
        signingSecret: slack.signingSecret,
        replayGuard: slack.replayGuard,
        chatOps,
        responseUrlOrigins: slack.responseUrlOrigins,
      }),
    );
  }
  return app;
}

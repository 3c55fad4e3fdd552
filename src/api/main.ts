import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { ChangeClient } from '../client/change-client';
import { operatorGuards } from '../client/operator-guards';
import { SLACK_TOLERANCE_SECONDS } from '../slack/signature';
import { MongoReplayGuard } from '../store/replay-guard';
import { workflowUiUrl } from '../config/index';
import { temporalConnectionOptions } from '../temporal/connection';
import { dataConverterFromEnv } from '../temporal/data-converter';
import { loadApiConfig } from '../config/api';
import { readinessChecks } from './readiness';
import { buildApiServer } from './server';
import { clientInterceptors, tracingFromEnv } from '../telemetry/tracing';
import { waitingCounter } from '../client/waiting-count';
import { apiMetrics } from './metrics';

/**
 * The API server: `npm run api` (or `node lib/api/main.js`). Connections are lazy, so the server
 * starts while Temporal or MongoDB are still coming up and /readyz says when they answer.
 */
async function main(): Promise<void> {
  const config = loadApiConfig();
  const tracing = tracingFromEnv('lead-rollback-api');
  if (!config.MONGODB_URI)
    throw new Error('MONGODB_URI is required for the API (reports and chat-ops replay protection live there)');
  const mongo = new MongoClient(config.MONGODB_URI);
  const db = mongo.db(config.MONGODB_DB);
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFromEnv(),
    interceptors: clientInterceptors(tracing),
  });
  // Metrics have a listener of their own (METRICS_HOST, METRICS_PORT), never the API's.
  const metricsAddress = config.METRICS_PORT ? { host: config.METRICS_HOST, port: config.METRICS_PORT } : undefined;
  const metrics = metricsAddress && apiMetrics(waitingCounter(client, config.TEMPORAL_TASK_QUEUE));
  const app = await buildApiServer(
    {
      changes: new ChangeClient(client, config.TEMPORAL_TASK_QUEUE, { db, guard: operatorGuards(config, { db }) }),
      readiness: readinessChecks(connection, db),
      workflowUrl: (workflowId) => workflowUiUrl(config, workflowId),
    },
    {
      tokens: config.API_TOKENS,
      rateLimit: { max: config.API_RATE_LIMIT_PER_MINUTE, timeWindowMs: 60_000 },
      logger: { level: config.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers["x-slack-signature"]'] },
      slack: config.SLACK_SIGNING_SECRET
        ? {
            signingSecret: config.SLACK_SIGNING_SECRET,
            users: config.SLACK_USERS,
            replayGuard: new MongoReplayGuard(db, SLACK_TOLERANCE_SECONDS),
            responseUrlOrigins: config.SLACK_RESPONSE_URL_ORIGINS,
            responseTimeoutMs: config.SLACK_RESPONSE_TIMEOUT_MS,
          }
        : undefined,
      tracer: tracing?.tracer,
      telemetry: metrics?.telemetry,
    },
  );
  if (config.API_TOKENS.size === 0) app.log.warn('API_TOKENS is empty: every /v1 request will be refused with 401');
  if (!config.SLACK_SIGNING_SECRET) app.log.info('SLACK_SIGNING_SECRET is not set: chat-ops routes are not mounted');
  app.log.info(tracing ? 'tracing: exporting spans over OTLP (OTEL_*)' : 'tracing: off (OTEL_*: docs/tracing.md)');

  const scrape =
    metrics &&
    metricsAddress &&
    (await metrics.listen(metricsAddress, (message, err) => app.log.warn({ err }, message)));
  if (scrape) app.log.info({ url: `${scrape.url}/metrics` }, 'metrics listening');

  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await scrape?.close();
    await app.close();
    await connection.close();
    await mongo.close();
    await tracing?.shutdown();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stop(signal).then(() => process.exit(0)));
  await app.listen({ host: config.API_HOST, port: config.API_PORT });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

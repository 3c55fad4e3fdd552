import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import { createActivities } from './activities';
import type { PrometheusConnection } from './activities/metrics/prometheus';
import type { TargetCollections } from './domain/targets/collections';
import type { CrmConnection } from './activities/targets/crm/api';
import { configuredPartners } from './config/partners';
import type { Partners } from './domain/partners';
import { notificationDepsFromConfig, type NotificationDeps } from './activities/notify/channels';
import type { RehearsalDeps } from './activities/rehearsal/sandboxes';
import { policyFloorOf } from './config/policy-floor';
import type { LoadedFloor } from './domain/policy-floor';
import { crmConnection, loadConfig, rehearsalDbName, type Config } from './config/index';
import { sandboxPartners } from './config/partners';
import { temporalConnectionOptions } from './temporal/connection';
import { createDataConverter, describeEncryption } from './temporal/data-converter';
import { loadEncryptionSettings } from './temporal/encryption-config';
import { workflowInterceptorModules } from './temporal/workflow-interceptors';
import { tracingFromEnv, type Tracing } from './telemetry/tracing';
import { workerTracing } from './telemetry/worker-tracing';
import type { TelemetrySink } from './domain/telemetry';
import { startWorkerMetrics } from './telemetry/worker-metrics';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** The CRM for `crm` steps (CRM_BASE_URL, CRM_TOKEN). */
  crm?: CrmConnection;
  /** The partners `webhook` steps may call, with their secrets (WEBHOOK_PARTNERS, WEBHOOK_PARTNERS_FILE). */
  partners?: Partners;
  /** Collections lead-data and mongo-document steps may target (TARGET_COLLECTIONS). */
  targetCollections?: TargetCollections;
  /** Lead fields whose values are replaced before anything is stored or returned (REDACTED_LEAD_FIELDS). */
  redactedLeadFields?: readonly string[];
  /** Where notifications are sent (Slack webhooks, signed webhooks); without it they are only recorded. */
  notifications?: NotificationDeps;
  /** Prometheus for metric triggers (PROMETHEUS_URL, PROMETHEUS_TOKEN). */
  prometheus?: PrometheusConnection;
  /** The sandbox rehearsals run against (REHEARSAL_* variables); without it rehearsals fail as misconfigured. */
  rehearsal?: RehearsalDeps;
  /** The operator's policy floor (POLICY_FLOOR, POLICY_FLOOR_FILE); without it, the built-in one. */
  policyFloor?: LoadedFloor;
  /** A prebuilt workflow bundle (tests bundle once per run); otherwise workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  /**
   * Payload codecs (encryption) and failure converter; see src/temporal/data-converter.ts. With a
   * prebuilt `workflowBundle`, bundle it with the same `failureConverterPath`.
   */
  dataConverter?: DataConverter;
  /** `workflows` or `activities` runs only that half, so each can be scaled (and restarted) apart. */
  role?: WorkerRole;
  /**
   * Worker Versioning (TEMPORAL_DEPLOYMENT_NAME, TEMPORAL_BUILD_ID): this worker is one build of a
   * worker deployment, and every workflow it starts stays pinned to that build until it ends.
   */
  deployment?: { deploymentName: string; buildId: string };
  /**
   * OpenTelemetry (OTEL_* variables, docs/tracing.md): spans for the activities and workflow runs
   * of changes started inside a trace. Without it those runs' workflow spans are dropped.
   */
  tracing?: Tracing;
  /** Where the product metrics go (METRICS_PORT); without it nothing is counted. */
  telemetry?: TelemetrySink;
  /** Extra worker options, e.g. shutdown grace time in tests. */
  options?: Partial<WorkerOptions>;
}

export type WorkerRole = 'all' | 'workflows' | 'activities';

/** The one place that wires real dependencies into activities and workflows. */
export function createWorker(deps: WorkerDeps): Promise<Worker> {
  const role = deps.role ?? 'all';
  const activities = createActivities({
    db: deps.db,
    crm: deps.crm,
    partners: deps.partners,
    targetCollections: deps.targetCollections,
    redactedLeadFields: deps.redactedLeadFields,
    notifications: deps.notifications,
    prometheus: deps.prometheus,
    rehearsal: deps.rehearsal,
    policyFloor: deps.policyFloor,
    telemetry: deps.telemetry,
  });
  const runsWorkflows = role !== 'activities';
  const runsActivities = role !== 'workflows';
  const tracing = workerTracing(deps.tracing);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(runsActivities ? { activities } : {}),
    // A prebuilt bundle must have been built with the same interceptor modules (see workflow-interceptors.ts).
    ...(runsWorkflows
      ? deps.workflowBundle
        ? { workflowBundle: deps.workflowBundle }
        : { workflowsPath: require.resolve('./workflows') }
      : {}),
    interceptors: {
      ...(runsWorkflows && !deps.workflowBundle ? { workflowModules: workflowInterceptorModules } : {}),
      ...(runsActivities ? { activity: tracing.activityInterceptors } : {}),
    },
    sinks: tracing.sinks,
    ...(deps.dataConverter ? { dataConverter: deps.dataConverter } : {}),
    ...(deps.deployment ? { workerDeploymentOptions: pinnedTo(deps.deployment) } : {}),
    ...deps.options,
  });
}

/**
 * A change can wait days for a decision; a new build must not replay it with different code. So
 * every workflow is pinned to the build that started it: it finishes there, while new changes go
 * to the deployment's current build. Patches stay the rule for code that runs unversioned.
 */
export function pinnedTo(version: {
  deploymentName: string;
  buildId: string;
}): WorkerOptions['workerDeploymentOptions'] {
  return { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' };
}

async function main(): Promise<void> {
  const config = loadConfig();
  // The worker signs: a partner whose secret is missing stops it here, not at its first step.
  const partners = configuredPartners(config, process.env, { requireSecrets: true });
  // Refuses to start on a bad key, or without keys when encryption is required (NODE_ENV=production).
  const encryption = loadEncryptionSettings();
  console.error(describeEncryption(encryption));
  const tracing = tracingFromEnv('lead-rollback-worker');
  console.error(tracing ? 'tracing: exporting spans over OTLP (OTEL_*)' : 'tracing: off (OTEL_*: docs/tracing.md)');
  const policyFloor = policyFloorOf(config);
  console.error(`policy floor: ${policyFloor.floor.name} (${policyFloor.source})`);
  if (!config.MONGODB_URI) throw new Error('MONGODB_URI is required for the worker (e.g. mongodb://127.0.0.1:27017)');
  // The SDK's exporter is part of the runtime, installed once and before the first connection.
  const metrics = config.METRICS_PORT
    ? await startWorkerMetrics({ host: config.METRICS_HOST, port: config.METRICS_PORT }, (message, err) =>
        console.error(message, err),
      )
    : undefined;
  if (metrics) console.error(`metrics: ${metrics.url}/metrics`);
  const mongo = await MongoClient.connect(config.MONGODB_URI);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db: mongo.db(config.MONGODB_DB),
      crm: crmConnection(config),
      partners,
      targetCollections: config.TARGET_COLLECTIONS,
      redactedLeadFields: config.REDACTED_LEAD_FIELDS,
      dataConverter: createDataConverter(encryption),
      notifications: notificationDepsFromConfig(config, partners),
      prometheus: config.PROMETHEUS_URL ? { url: config.PROMETHEUS_URL, token: config.PROMETHEUS_TOKEN } : undefined,
      rehearsal: rehearsalDeps(config, mongo),
      policyFloor,
      tracing,
      telemetry: metrics?.telemetry,
      role: config.WORKER_ROLE,
      ...(config.TEMPORAL_DEPLOYMENT_NAME && config.TEMPORAL_BUILD_ID
        ? { deployment: { deploymentName: config.TEMPORAL_DEPLOYMENT_NAME, buildId: config.TEMPORAL_BUILD_ID } }
        : {}),
    });
    // Runs until SIGINT/SIGTERM, then drains in-flight tasks.
    await worker.run();
  } finally {
    await connection.close();
    await mongo.close();
    await tracing?.shutdown();
    await metrics?.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

/** The sandbox rehearsals run against: the rehearsal database, and sandbox CRM and partner sandboxes when configured. */
export function rehearsalDeps(config: Config, mongo: MongoClient, env: NodeJS.ProcessEnv = process.env): RehearsalDeps {
  return {
    db: mongo.db(config.REHEARSAL_MONGODB_DB ?? rehearsalDbName(config.MONGODB_DB)),
    crm:
      config.REHEARSAL_CRM_BASE_URL && config.REHEARSAL_CRM_TOKEN
        ? {
            baseUrl: config.REHEARSAL_CRM_BASE_URL,
            token: config.REHEARSAL_CRM_TOKEN,
            timeoutMs: config.CRM_TIMEOUT_MS,
          }
        : undefined,
    webhookPartners: sandboxPartners(config, env, { requireSecrets: true }),
    maxLeads: config.REHEARSAL_MAX_LEADS,
  };
}

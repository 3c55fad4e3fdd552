import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import { createActivities } from './activities';
import { notificationDepsFromConfig, type NotificationDeps } from './activities/notify/channels';
import { loadConfig } from './config';
import { temporalConnectionOptions } from './temporal/connection';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** Where notifications are sent (Slack webhooks, signed webhooks); without it they are only recorded. */
  notifications?: NotificationDeps;
  /** A prebuilt workflow bundle (tests bundle once per run); otherwise workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  /** Extra worker options, e.g. shutdown grace time in tests. */
  options?: Partial<WorkerOptions>;
}

/** The one place that wires real dependencies into activities and workflows. */
export function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: createActivities({ db: deps.db, notifications: deps.notifications }),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    ...deps.options,
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.MONGODB_URI) throw new Error('MONGODB_URI is required for the worker (e.g. mongodb://127.0.0.1:27017)');
  const mongo = await MongoClient.connect(config.MONGODB_URI);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db: mongo.db(config.MONGODB_DB),
      notifications: notificationDepsFromConfig(config),
    });
    // Runs until SIGINT/SIGTERM, then drains in-flight tasks.
    await worker.run();
  } finally {
    await connection.close();
    await mongo.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

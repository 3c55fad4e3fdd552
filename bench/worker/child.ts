import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { dataConverterFromEnv } from '../../src/temporal/data-converter';
import { createWorker } from '../../src/worker';
import { tracingFromEnv } from '../../src/telemetry/tracing';
import { workerTracing } from '../../src/telemetry/worker-tracing';
import { createSagaActivities } from '../saga/activities';
import { CONFIG_ENV, type ChildMessage, type ChildStats, type ParentMessage, type WorkerChildConfig } from './protocol';

/**
 * A worker under test, in a process of its own so its CPU and peak memory are its own. It runs
 * until the bench says stop (or the bench goes away), answering stats requests over IPC.
 */
async function main(): Promise<void> {
  const config = JSON.parse(process.env[CONFIG_ENV] ?? '') as WorkerChildConfig;
  // The same logging for every variant: warnings and errors only (info lines per activity would
  // measure the terminal, not the worker).
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const dataConverter = config.encrypted ? dataConverterFromEnv() : {};
  if (config.encrypted && !dataConverter.payloadCodecs)
    throw new Error('encryption asked for but no keys in the environment');
  const mongo = await MongoClient.connect(config.mongoUri);
  const db = mongo.db(config.dbName);
  const connection = await NativeConnection.connect({ address: config.address });
  const base = {
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    dataConverter,
  };
  // Traced as the product's worker is (OTEL_*), baseline (a) with the same interceptors and sink.
  const tracing = tracingFromEnv(`bench-worker-${config.variant}`);
  const traced = workerTracing(tracing);
  const worker =
    config.variant === 'change'
      ? await createWorker({ ...base, db, tracing, options: config.workerOptions })
      : await Worker.create({
          ...base,
          activities: createSagaActivities(db),
          interceptors: { activity: traced.activityInterceptors },
          sinks: traced.sinks,
          ...config.workerOptions,
        });

  const send = (message: ChildMessage) => process.send?.(message);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send({ type: 'stats', stats: stats(message.gc) });
    if (message.type === 'stop' && worker.getState() === 'RUNNING') worker.shutdown();
  });
  // The bench died or closed the channel: stop rather than linger.
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const running = worker.run();
  send({ type: 'ready', stats: stats() });
  try {
    await running;
  } finally {
    await connection.close();
    await mongo.close();
    await tracing?.shutdown();
  }
}

function stats(collect = false): ChildStats {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  let heapUsedAfterGcBytes: number | undefined;
  if (collect && gc) {
    gc();
    heapUsedAfterGcBytes = process.memoryUsage().heapUsed;
  }
  return {
    heapUsedAfterGcBytes,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
  };
}

main().then(
  () => process.disconnect?.(),
  (err: unknown) => {
    process.send?.({
      type: 'error',
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    } satisfies ChildMessage);
    console.error(err);
    process.exitCode = 1;
    process.disconnect?.();
  },
);

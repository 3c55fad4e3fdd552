import { Client, Connection } from '@temporalio/client';
import type { Db, MongoClient } from 'mongodb';
import { createDataConverter } from '../src/temporal/data-converter';
import { loadEncryptionSettings } from '../src/temporal/encryption-config';
import { clientInterceptors, tracingFromEnv } from '../src/telemetry/tracing';
import { step } from '../tools/devenv/log';
import { cpuSnapshot } from './proc';
import type { BenchServices } from './services';
import { startWorkerProcess, type WorkerProcess } from './worker/process';
import type { WorkerChildConfig, WorkerVariant } from './worker/protocol';

/** Worker tuning applied identically to every worker under test (ours and baseline (a)). */
export type WorkerTuning = WorkerChildConfig['workerOptions'];

/** What every bench gets: the servers, clients (with and without encryption) and worker children. */
export interface BenchContext {
  services: BenchServices;
  mongo: MongoClient;
  db(name: string): Db;
  /** A Temporal client; `encrypted` picks the production data converter (the run's key). */
  client(encrypted: boolean): Client;
  logDir: string;
  workerOptions: WorkerTuning;
  startWorker(
    label: string,
    variant: WorkerVariant,
    options: { taskQueue: string; dbName: string; encrypted: boolean },
  ): Promise<WorkerProcess>;
  /** CPU ms so far of the servers, this process (the client side) and the given worker. */
  cpu(worker?: WorkerProcess): Record<string, number>;
  close(): Promise<void>;
}

export async function openBenchContext(
  services: BenchServices,
  mongo: MongoClient,
  logDir: string,
  workerOptions: WorkerTuning,
): Promise<BenchContext> {
  const connection = await Connection.connect({ address: services.temporal.address });
  // OTEL_* as the product reads them: set, every change (and baseline (a)'s sagas) runs traced,
  // the workers export their spans too (worker/child.ts), and the figures include tracing's cost.
  const tracing = tracingFromEnv('lead-rollback-bench');
  step(`tracing: ${tracing ? 'on, exporting over OTLP (OTEL_*)' : 'off'}`);
  const interceptors = clientInterceptors(tracing);
  const encrypted = new Client({
    connection,
    namespace: services.temporal.namespace,
    dataConverter: createDataConverter(
      loadEncryptionSettings({ ...services.keyEnv, LEAD_ROLLBACK_REQUIRE_ENCRYPTION: 'true' }),
    ),
    interceptors,
  });
  const plain = new Client({ connection, namespace: services.temporal.namespace, interceptors });
  return {
    services,
    mongo,
    db: (name) => mongo.db(name),
    client: (withEncryption) => (withEncryption ? encrypted : plain),
    logDir,
    workerOptions,
    async startWorker(label, variant, options) {
      // A worker without encryption must not pick up keys from the bench's own environment.
      const { LEAD_ROLLBACK_ENCRYPTION_KEYS: _k, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: _i, ...env } = process.env;
      const bundlePath = await services.bundle(variant, options.encrypted);
      return startWorkerProcess(
        label,
        {
          variant,
          address: services.temporal.address,
          namespace: services.temporal.namespace,
          taskQueue: options.taskQueue,
          mongoUri: services.database.uri,
          dbName: options.dbName,
          bundlePath,
          encrypted: options.encrypted,
          workerOptions,
        },
        options.encrypted ? { ...env, ...services.keyEnv } : env,
        logDir,
      );
    },
    cpu(worker) {
      return cpuSnapshot({
        worker: worker?.pid,
        temporal: services.pids.temporal,
        database: services.pids.database,
        client: process.pid,
      });
    },
    async close() {
      await connection.close();
      await tracing?.shutdown();
    },
  };
}

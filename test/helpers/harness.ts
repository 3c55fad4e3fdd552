import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import { ChangeClient } from '../../src/client/change-client';
import { noGuard, type RequestGuard } from '../../src/client/request-guard';
import { dataConverterFromEnv } from '../../src/temporal/data-converter';
import { createWorker, type WorkerDeps } from '../../src/worker';
import { ENV, requiredEnv } from '../setup/services';
import { EVENT_BOUND_MS } from './bounds';
import { recordHistories, recording } from './histories';

export interface RunningWorker {
  worker: Worker;
  /** Shuts the worker down and waits until it has stopped. */
  stop(): Promise<void>;
}

/**
 * What an integration test file talks to: the run's real Temporal server and database, with a
 * database and task queue of its own so test files never see each other's data.
 */
export interface TestEnv {
  client: Client;
  changes: ChangeClient;
  /** The operator checks `changes` applies (and a test API over this env, by default). */
  guard: RequestGuard;
  db: Db;
  taskQueue: string;
  /** The run's data converter (payload encryption on, key from the global setup). */
  dataConverter: DataConverter;
  /**
   * Starts a worker on the test's task queue. `deps` adds target dependencies, e.g. a peer's URL
   * and token (`{ crm: { baseUrl: crm.url, token: crm.token } }`) or `partners`.
   */
  startWorker(
    options?: Partial<WorkerOptions>,
    deps?: TargetWorkerDeps &
      Pick<WorkerDeps, 'notifications' | 'prometheus' | 'rehearsal' | 'role' | 'policyFloor' | 'tracing'>,
  ): Promise<RunningWorker>;
  close(): Promise<void>;
}

/** Target dependencies a test may give the worker on top of the database. */
export type TargetWorkerDeps = Pick<WorkerDeps, 'crm' | 'partners' | 'targetCollections' | 'redactedLeadFields'>;

export interface TestEnvOptions {
  /**
   * The operator's request checks the env's client applies (partners, allow-lists, floor); a
   * function is given the env's database (the floor counts lead selections there).
   */
  guard?: RequestGuard | ((db: Db) => RequestGuard);
}

export async function openTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const address = requiredEnv(ENV.temporalAddress);
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const mongo = await MongoClient.connect(requiredEnv(ENV.mongoUri));
  const db = mongo.db(`test_${randomUUID().slice(0, 8)}`);
  const dataConverter = dataConverterFromEnv();
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const taskQueue = `test-${randomUUID()}`;
  const workers: RunningWorker[] = [];

  const guard = (typeof options.guard === 'function' ? options.guard(db) : options.guard) ?? noGuard;
  return {
    client,
    // Tests read what a change does first from its status; the API's tests read the admission.
    changes: new ChangeClient(client, taskQueue, { guard, admissionWaitMs: 0 }),
    guard,
    db,
    taskQueue,
    dataConverter,
    async startWorker(options, deps) {
      const worker = await createWorker({
        ...deps,
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        db,
        workflowBundle: { codePath: requiredEnv(ENV.workflowBundle) },
        dataConverter,
        options: { shutdownGraceTime: '1s', ...options },
      });
      const running = worker.run();
      const handle: RunningWorker = {
        worker,
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
      workers.push(handle);
      return handle;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      if (recording) await recordHistories(client, taskQueue, expect.getState().currentTestName ?? taskQueue);
      await db.dropDatabase();
      await mongo.close();
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/**
 * Polls until `check` returns a value other than undefined. `timeoutMs` is a bound for hangs, not
 * a speed assertion: the default waits as long as a busy machine could need (see bounds.ts).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = EVENT_BOUND_MS,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

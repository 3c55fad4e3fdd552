import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ensureTemporalTestServer } from '../../tools/devenv/tools';
import { workflowInterceptorModules } from '../../src/temporal/workflow-interceptors';
import { customSearchAttributes } from '../../src/workflows/search-attributes';

/**
 * The fast workflow tier: the real workflow bundle against Temporal's time-skipping test server
 * (provisioned like the Temporal CLI, see tools/devenv/tools.ts), with fake activities. Timers of
 * days take no time, so whole policies run in seconds.
 */
export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  /** A client whose connection takes whole histories of many MiB in one message (the test server does not page them). */
  historyClient: Client;
  /**
   * A worker on a task queue of its own, running the bundle with these activities. `sticky: false`
   * turns its workflow cache off (see below); the worst-path runs keep it, their histories are long.
   */
  worker(activities: object, options?: { sticky?: boolean }): Promise<{ worker: Worker; taskQueue: string }>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function openTimeSkipping(): Promise<TimeSkipping> {
  if (!runtimeInstalled) {
    // Expected activity failures are the point of these tests: worker logs stay at errors.
    // (The test server lacks capabilities core warns about on every worker start.)
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
    runtimeInstalled = true;
  }
  const [env, { code }] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: ensureTemporalTestServer() } },
    }),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules,
      logger: quietLogger,
    }),
  ]);
  // The test server refuses upserts of search attributes it does not know (the dev server has them registered at start).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      customSearchAttributes.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
    ),
  });
  const connection = await Connection.connect({
    address: env.connection.options.address,
    channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  });
  return {
    env,
    historyClient: new Client({ connection, namespace: env.namespace ?? 'default' }),
    async worker(activities, options = {}) {
      const taskQueue = `workflow-tier-${randomUUID()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: { code },
        activities,
        shutdownGraceTime: '1s',
        // Without a sticky cache: on the test server an update sent right after a time skip hung now
        // and then (1 run in 5 of the manual-rollback test on a busy machine, 0 in 24 without the
        // cache). Every task then replays the history, cheap for the sagas' short ones.
        ...(options.sticky === false ? { maxCachedWorkflows: 0 } : {}),
      });
      return { worker, taskQueue };
    },
    async close() {
      await connection.close();
      await env.teardown();
    },
  };
}

const quiet = () => {};
const quietLogger = {
  log: quiet,
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: (message: string) => console.error(`bundler: ${message}`),
};

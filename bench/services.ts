import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../src/temporal/workflow-interceptors';
import { startDatabase, type DevDatabase } from '../tools/devenv/database';
import { step } from '../tools/devenv/log';
import { startTemporalDevServer, type TemporalDevServer } from '../tools/devenv/temporal-server';
import { encryptingFailureConverterPath } from '../src/temporal/data-converter';
import { generateKey } from '../src/temporal/encryption-codec';
import { findProcess } from './proc';
import type { WorkerVariant } from './worker/protocol';

/** The servers, bundles and key one bench run shares. */
export interface BenchServices {
  temporal: TemporalDevServer;
  database: DevDatabase;
  /** Server processes by name, for CPU accounting from /proc. */
  pids: { temporal?: number; database?: number };
  /** Prebuilt workflow bundles per worker variant and encryption mode. */
  bundle(variant: WorkerVariant, encrypted: boolean): Promise<string>;
  /** The encryption env (a random key for this run) handed to encrypted workers and clients. */
  keyEnv: Record<'LEAD_ROLLBACK_ENCRYPTION_KEYS' | 'LEAD_ROLLBACK_ENCRYPTION_KEY_ID', string>;
  stop(): Promise<void>;
}

const workflowEntries: Record<WorkerVariant, string> = {
  change: require.resolve('../src/workflows'),
  saga: require.resolve('./saga/workflow'),
};

/** Starts a Temporal dev server and a database (src/devenv: shared provisioning), like the tests do. */
export async function startBenchServices(scratch: string): Promise<BenchServices> {
  const database = await startDatabase();
  let temporal: TemporalDevServer;
  try {
    temporal = await startTemporalDevServer();
  } catch (err) {
    await database.stop();
    throw err;
  }
  const port = temporal.address.split(':')[1]!;
  const databasePort = new URL(database.uri).port;
  const pids = {
    temporal: findProcess((args) => args.includes('start-dev') && args.includes(port) && !args[0]!.endsWith('node')),
    database:
      database.kind === 'external'
        ? undefined
        : findProcess(
            (args) =>
              !args[0]!.endsWith('node') && args.some((a) => a.endsWith(`:${databasePort}`) || a === databasePort),
          ),
  };
  fs.mkdirSync(scratch, { recursive: true });
  const bundles = new Map<string, Promise<string>>();
  const keyId = `bench-${randomUUID().slice(0, 8)}`;
  return {
    temporal,
    database,
    pids,
    keyEnv: { LEAD_ROLLBACK_ENCRYPTION_KEYS: `${keyId}:${generateKey()}`, LEAD_ROLLBACK_ENCRYPTION_KEY_ID: keyId },
    bundle(variant, encrypted) {
      const name = `${variant}-${encrypted ? 'encrypted' : 'plain'}`;
      if (!bundles.has(name))
        bundles.set(name, writeBundle(variant, encrypted, path.join(scratch, `bundle-${name}-${process.pid}.js`)));
      return bundles.get(name)!;
    },
    async stop() {
      await Promise.allSettled([temporal.stop(), database.stop()]);
      for (const file of await Promise.allSettled(bundles.values()))
        if (file.status === 'fulfilled') fs.rmSync(file.value, { force: true });
    },
  };
}

async function writeBundle(variant: WorkerVariant, encrypted: boolean, file: string): Promise<string> {
  step(`bundling the ${variant} workflows (${encrypted ? 'with' : 'without'} the encrypting failure converter)`);
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowEntries[variant],
    ...(encrypted ? { failureConverterPath: encryptingFailureConverterPath } : {}),
    workflowInterceptorModules,
    logger: quietLogger,
  });
  fs.writeFileSync(file, code);
  return file;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => step(`bundler: ${message}`),
  error: (message: string) => step(`bundler: ${message}`),
};

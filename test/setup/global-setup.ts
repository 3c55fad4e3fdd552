import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDatabase, type DevDatabase } from '../../src/devenv/database';
import { step } from '../../src/devenv/log';
import { scratchDir } from '../../src/devenv/paths';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/devenv/temporal-server';
import { bundlePath, ENV } from './services';

export interface SharedServices {
  temporal?: TemporalDevServer;
  database?: DevDatabase;
  bundle?: string;
}

declare global {
  var leadRollbackServices: SharedServices | undefined;
}

/**
 * Starts one Temporal dev server and one database for the whole run, on free ports, and bundles
 * the workflows once. Both servers run under a guard that kills them if jest dies.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const services: SharedServices = {};
  globalThis.leadRollbackServices = services;
  try {
    services.database = await startDatabase();
    services.temporal = await startTemporalDevServer();
    fs.mkdirSync(scratchDir, { recursive: true });
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
    services.bundle = bundlePath(scratchDir);
    fs.writeFileSync(services.bundle, code);
  } catch (err) {
    await stopServices(services);
    throw err;
  }
  process.env[ENV.temporalAddress] = services.temporal.address;
  process.env[ENV.mongoUri] = services.database.uri;
  process.env[ENV.databaseKind] = services.database.kind;
  process.env[ENV.workflowBundle] = services.bundle;
  step(`test services ready in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal ${services.temporal.address}, database ${services.database.kind}`);
}

export async function stopServices(services: SharedServices): Promise<void> {
  await Promise.allSettled([services.temporal?.stop(), services.database?.stop()]);
  if (services.bundle) fs.rmSync(services.bundle, { force: true });
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => step(`bundler: ${message}`),
  error: (message: string) => step(`bundler: ${message}`),
};

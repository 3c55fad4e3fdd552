import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../../src/temporal/workflow-interceptors';
import { startDatabase, type DevDatabase } from '../../tools/devenv/database';
import { ensureJaeger } from '../../tools/devenv/jaeger';
import { ensurePrometheus } from '../../tools/devenv/prometheus';
import { step } from '../../tools/devenv/log';
import { scratchDir } from '../../tools/devenv/paths';
import { startTemporalDevServer, type TemporalDevServer } from '../../tools/devenv/temporal-server';
import { encryptingFailureConverterPath } from '../../src/temporal/data-converter';
import { generateKey } from '../../src/temporal/encryption-codec';
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
 *
 * Every integration test runs with payload encryption on: a random key for the run is handed to
 * the test files (and the harness's clients and workers) through the encryption env vars.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const services: SharedServices = {};
  globalThis.leadRollbackServices = services;
  try {
    // Built here, not in the tests that start them: a first build takes minutes, longer than any test's timeout.
    ensurePrometheus();
    ensureJaeger();
    services.database = await startDatabase();
    services.temporal = await startTemporalDevServer();
    fs.mkdirSync(scratchDir, { recursive: true });
    // The bundle holds the failure converter (no keys: codecs run outside the sandbox).
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      failureConverterPath: encryptingFailureConverterPath,
      workflowInterceptorModules,
      logger: quietLogger,
    });
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
  // Recorded histories are committed and replayed without keys, so recording runs unencrypted.
  if (process.env.LEAD_ROLLBACK_RECORD_HISTORIES === '1') {
    step('recording histories: payload encryption off for this run');
  } else {
    // Set after the servers started, so the key reaches the test processes only.
    const keyId = `test-${randomUUID().slice(0, 8)}`;
    process.env.LEAD_ROLLBACK_ENCRYPTION_KEYS = `${keyId}:${generateKey()}`;
    process.env.LEAD_ROLLBACK_ENCRYPTION_KEY_ID = keyId;
    process.env.LEAD_ROLLBACK_REQUIRE_ENCRYPTION = 'true';
    step(`payloads encrypted with key ${keyId}`);
  }
  step(
    `test services ready in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal ${services.temporal.address}, database ${services.database.kind}`,
  );
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

import { spawn } from 'node:child_process';
import path from 'node:path';
import { ENV, requiredEnv } from '../setup/services';
import type { TestEnv } from './harness';
import { EVENT_BOUND_MS } from './bounds';

const root = path.resolve(__dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole process, start-up included. */
  ms: number;
}

/** Environment that points a child process (the CLI, a worker) at the test's Temporal server, task queue and database. */
export function cliEnv(env: TestEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: requiredEnv(ENV.temporalAddress),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    MONGODB_URI: requiredEnv(ENV.mongoUri),
    MONGODB_DB: env.db.databaseName,
    // The run's payload encryption keys (global setup), as a real deployment hands them to every process.
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => name.startsWith('LEAD_ROLLBACK_ENCRYPTION_') || name === 'LEAD_ROLLBACK_REQUIRE_ENCRYPTION',
      ),
    ),
  };
}

/** Spawns `lead-rollback` as a user would (through tsx, as `npm run cli` does) and collects its output. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
      cwd: root,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A hang bound, not a speed assertion: a CLI run that takes longer is stuck.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? EVENT_BOUND_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

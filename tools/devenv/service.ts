import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { step } from './log';

export interface ServiceHandle {
  readonly name: string;
  readonly logFile: string;
  /** Stops the service and waits until its process has exited. Safe to call twice. */
  stop(): Promise<void>;
  /** Kills the service with SIGKILL (no clean shutdown, as in a crash) and waits until it has exited. */
  crash(): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  /** Resolves once the service answers; rejects when it never will. */
  ready: () => Promise<void>;
  readyTimeoutMs?: number;
  /** The service's environment; default this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-running dev service under the guard (which kills it if this process dies) and
 * waits until it is ready. On failure the tail of its log is included in the error.
 */
export async function startService(spec: ServiceSpec): Promise<ServiceHandle> {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const out = fs.openSync(spec.logFile, 'w');
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'guard.cjs'), String(process.pid), spec.command, ...spec.args],
    {
      stdio: ['ignore', out, out],
      env: spec.env ?? process.env,
    },
  );
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: ServiceHandle = {
    name: spec.name,
    logFile: spec.logFile,
    stop: () => stopChild(child, exited),
    crash: () => crashChild(child, exited),
  };
  try {
    await waitUntilReady(spec, child);
  } catch (err) {
    await handle.stop();
    const tail = fs.readFileSync(spec.logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(
      `${spec.name} did not become ready: ${(err as Error).message}\n--- ${spec.logFile} (tail) ---\n${tail}`,
    );
  }
  step(`${spec.name} is ready (log: ${path.relative(process.cwd(), spec.logFile)})`);
  return handle;
}

async function waitUntilReady(spec: ServiceSpec, child: ChildProcess): Promise<void> {
  // Seconds on a quiet machine; the default bound is for a service that will never answer.
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 5 * 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    try {
      await spec.ready();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`timed out; last check said: ${(lastError as Error | undefined)?.message ?? 'nothing'}`);
}

async function crashChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  // The guard turns SIGUSR2 into a SIGKILL of the service (a SIGKILL of the guard would orphan it).
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGUSR2');
  await exited;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

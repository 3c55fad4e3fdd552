import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cpuMs, statusBytes } from '../proc';
import { CONFIG_ENV, type ChildMessage, type ChildStats, type WorkerChildConfig } from './protocol';

/** A worker child as the bench sees it: its own report plus what /proc says from outside. */
export interface WorkerSample extends ChildStats {
  /** /proc/<pid>/status VmHWM: peak resident set size since the child started. */
  vmHwmBytes?: number;
  /** /proc/<pid>/stat utime + stime. */
  procCpuMs?: number;
}

export interface WorkerProcess {
  readonly pid: number;
  readonly label: string;
  /** Resources at the moment the worker was ready to poll (start-up cost). */
  readonly atReady: WorkerSample;
  sample(): Promise<WorkerSample>;
  /** Takes a last sample (with the heap after a full GC), stops the worker (it drains) and waits for the process to exit. */
  stop(): Promise<WorkerSample>;
}

const childEntry = path.join(__dirname, 'child.ts');

/** Starts a worker child (node + tsx, the way `npm run worker` runs) and waits until it polls. */
export async function startWorkerProcess(
  label: string,
  config: WorkerChildConfig,
  env: NodeJS.ProcessEnv,
  logDir: string,
): Promise<WorkerProcess> {
  fs.mkdirSync(logDir, { recursive: true });
  const log = fs.openSync(path.join(logDir, `worker-${label}.log`), 'w');
  // BENCH_CPU_PROF=<dir>: the child writes a V8 CPU profile there when it exits (for profiling runs).
  const profile = process.env.BENCH_CPU_PROF
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        path.resolve(process.env.BENCH_CPU_PROF),
        '--cpu-prof-name',
        `worker-${label}.cpuprofile`,
      ]
    : [];
  const child = spawn(process.execPath, [...profile, '--expose-gc', '--import', 'tsx', childEntry], {
    env: { ...env, [CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await nextMessage(child, 'ready', 60_000).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `worker ${label} did not start (log: ${path.join(logDir, `worker-${label}.log`)}): ${(err as Error).message}`,
    );
  });
  const pid = child.pid!;
  const withProc = (stats: ChildStats): WorkerSample => ({
    ...stats,
    vmHwmBytes: statusBytes(pid, 'VmHWM'),
    procCpuMs: cpuMs(pid),
  });

  const sample = async (gc = false) => {
    child.send({ type: 'stats', gc });
    return withProc((await nextMessage(child, 'stats', 10_000)).stats);
  };
  return {
    pid,
    label,
    atReady: withProc(ready.stats),
    sample,
    async stop() {
      // The peak is read before the collection, so the GC cannot touch what is reported.
      const peak = statusBytes(pid, 'VmHWM');
      const last = child.exitCode === null ? { ...(await sample(true)), vmHwmBytes: peak } : undefined;
      if (child.exitCode === null) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      if (!last) throw new Error(`worker ${label} had already exited`);
      return last;
    },
  };
}

function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(message.message));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<ChildMessage, { type: T }>);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`worker process exited (code ${code})`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${type} message within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

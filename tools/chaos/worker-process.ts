import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../devenv/paths';

const guard = path.join(projectRoot, 'tools/devenv/guard.cjs');
const workerEntry = path.join(projectRoot, 'src/worker.ts');
/** The SDK's log line (single- or multi-line, depending on how the output is formatted). */
const READY = /Worker state changed[\s\S]{0,200}?RUNNING/;
/** A start that is not polling after this long is stuck (a start takes seconds, a minute on a loaded machine). */
const READY_TIMEOUT_MS = 5 * 60_000;
const START_ATTEMPTS = 5;

/**
 * Watches a worker's stderr, chunk by chunk, for the SDK's RUNNING line, which may straddle two
 * chunks. Each chunk is matched whole, with the tail of the ones before: under load the worker's
 * lines arrive batched, and when only the trimmed tail was matched, a chunk whose RUNNING line was
 * followed by more than the tail's length went unseen and the start timed out after five minutes.
 */
export function readyWatcher(): (chunk: string) => boolean {
  let tail = '';
  return (chunk) => {
    const seen = tail + chunk;
    tail = seen.slice(-400);
    return READY.test(seen);
  };
}

/**
 * The worker as a separate process, as in production: `node --import tsx src/worker.ts` with its
 * configuration in the environment, under the devenv guard (so it dies with the campaign). The
 * supervisor kills it with SIGKILL when asked (no drain, no goodbye to the server), starts it
 * again, and restarts it by itself if it ever dies on its own — counted apart, as a finding.
 */
export class WorkerSupervisor {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readyAt?: number;
  private incarnation = 0;
  private stopping = false;
  private killing = false;
  kills = 0;
  /** The worker died by itself after it was ready (a finding; it is restarted). */
  unexpectedExits = 0;
  /** Starts that failed before the worker was ready (e.g. while the server was down); retried. */
  failedStarts = 0;
  /** Milliseconds from spawn to "Worker state changed RUNNING", per start. */
  readonly startupMs: number[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  /** How long the worker has been polling (ms); 0 when it is not running. */
  uptimeMs(now = Date.now()): number {
    return this.readyAt === undefined ? 0 : now - this.readyAt;
  }

  /** Starts the worker, trying again (after a pause) until one start gets it polling; gives up after a few attempts. */
  async startUntilReady(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) return;
      try {
        await this.start();
        return;
      } catch (err) {
        this.failedStarts += 1;
        if (attempt >= START_ATTEMPTS)
          throw new Error(`the worker did not start in ${START_ATTEMPTS} attempts: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Spawns the worker and resolves once it polls its task queue; rejects if it exits first. */
  private async start(): Promise<void> {
    this.incarnation += 1;
    this.readyAt = undefined;
    const log = fs.createWriteStream(path.join(this.logDir, `worker-${this.incarnation}.log`));
    const spawned = Date.now();
    const child = spawn(
      process.execPath,
      [guard, String(process.pid), process.execPath, '--import', 'tsx', workerEntry],
      {
        cwd: projectRoot,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout!.pipe(log, { end: false });
    const sawReady = readyWatcher();
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (this.readyAt === undefined && sawReady(chunk.toString())) {
          this.readyAt = Date.now();
          this.startupMs.push(this.readyAt - spawned);
          resolve();
        }
      });
      child.once('close', (code, signal) =>
        reject(new Error(`worker exited before it was ready (code ${code}, signal ${signal})`)),
      );
    });
    const timer = setTimeout(() => child.kill('SIGUSR2'), READY_TIMEOUT_MS);
    void ready.finally(() => clearTimeout(timer)).catch(() => undefined);
    child.once('close', () => {
      log.end();
      const wasReady = this.readyAt !== undefined;
      this.readyAt = undefined;
      // Before it was ready, the caller of start() sees the failure and retries.
      if (this.stopping || this.killing || !wasReady) return;
      this.unexpectedExits += 1;
      setTimeout(() => void this.startUntilReady().catch(() => undefined), 1000);
    });
    await ready;
  }

  /** SIGKILL (through the guard): the worker gets no chance to finish, report or drain anything. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killing = true;
    this.child.kill('SIGUSR2');
    await this.exited;
    this.killing = false;
    this.kills += 1;
  }

  /** A clean stop at the end of the campaign (SIGTERM: the worker drains and exits). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGUSR2'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

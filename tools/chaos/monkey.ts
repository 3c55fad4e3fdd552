import type { ChangeClient } from '../../src/client/change-client';
import type { Progress } from './progress';
import type { Random } from './random';
import { sleep } from './retry';
import type { RestartableTemporal } from './temporal-service';
import type { WorkerSupervisor } from './worker-process';

export interface ChaosEvent {
  /** ms since the campaign started. */
  atMs: number;
  kind: 'worker-kill' | 'worker-kill-during-compensation' | 'server-restart';
  /** For kills during compensation: the change and the steps that were compensating. */
  changeId?: string;
  compensating?: string[];
  /** How many changes had settled when it happened. */
  settled: number;
  /** How long the worker or server was down (until it polled / answered again). */
  downMs: number;
}

export interface MonkeyOptions {
  changes: number;
  kills: number;
  compensationKills: number;
  serverRestarts: number;
}

const MIN_UPTIME_MS = 1500;

/**
 * Decides when to break things. Random worker kills are spread over the campaign's progress (the
 * k-th when k/(K+1) of the changes have settled, after a random delay), so a slow run is not
 * killed more often than a fast one; kills during compensation are taken when visibility shows a
 * change rolling back and its status query confirms a step is compensating; the server restarts
 * (killed, same database file and port) at about half-way.
 */
export class ChaosMonkey {
  readonly events: ChaosEvent[] = [];
  private stopped = false;
  private readonly killThresholds: { settled: number; delayMs: number }[];
  private readonly serverThresholds: { settled: number; delayMs: number }[];

  constructor(
    private readonly worker: WorkerSupervisor,
    private readonly temporal: RestartableTemporal,
    private readonly progress: Progress,
    private readonly changes: ChangeClient,
    private readonly options: MonkeyOptions,
    private readonly random: Random,
    private readonly startedAt: number,
  ) {
    const { changes: n, kills, serverRestarts } = options;
    this.killThresholds = Array.from({ length: kills }, (_, k) => ({
      settled: Math.floor((n * (k + 1)) / (kills + 1)),
      delayMs: random.int(0, 2500),
    }));
    this.serverThresholds = Array.from({ length: serverRestarts }, (_, k) => ({
      settled: Math.floor(((n * (2 * k + 1)) / (2 * serverRestarts)) * 0.9),
      delayMs: random.int(0, 2500),
    }));
  }

  get compensationKills(): number {
    return this.events.filter((e) => e.kind === 'worker-kill-during-compensation').length;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const settled = this.progress.closedCount;
      if (this.serverThresholds[0] && settled >= this.serverThresholds[0].settled) {
        const { delayMs } = this.serverThresholds.shift()!;
        await sleep(delayMs);
        await this.restartServer();
      } else if (
        this.killThresholds[0] &&
        settled >= this.killThresholds[0].settled &&
        this.worker.uptimeMs() >= MIN_UPTIME_MS
      ) {
        const { delayMs } = this.killThresholds.shift()!;
        await sleep(delayMs);
        await this.killWorker('worker-kill');
      } else if (this.compensationKills < this.options.compensationKills && this.worker.uptimeMs() >= MIN_UPTIME_MS) {
        await this.killDuringCompensation();
      }
      await sleep(150);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** What the monkey still meant to do when the campaign ended (a short run may end first). */
  pending(): { kills: number; serverRestarts: number; compensationKills: number } {
    return {
      kills: this.killThresholds.length,
      serverRestarts: this.serverThresholds.length,
      compensationKills: Math.max(0, this.options.compensationKills - this.compensationKills),
    };
  }

  private async killDuringCompensation(): Promise<void> {
    const candidates = await this.progress.rollingBack().catch(() => []);
    for (const workflowId of candidates) {
      const changeId = workflowId.replace(/^change-/, '');
      const status = await this.changes.status(changeId).catch(() => undefined);
      const compensating = status?.steps.filter((s) => s.state === 'compensating').map((s) => s.id) ?? [];
      if (status?.phase !== 'rolling-back' || compensating.length === 0) continue;
      await this.killWorker('worker-kill-during-compensation', { changeId, compensating });
      return;
    }
  }

  private async killWorker(
    kind: ChaosEvent['kind'],
    detail: Pick<ChaosEvent, 'changeId' | 'compensating'> = {},
  ): Promise<void> {
    const at = Date.now();
    const settled = this.progress.closedCount;
    await this.worker.kill();
    // Back after a short, random pause: in production a supervisor restarts it; meanwhile nothing runs.
    await sleep(this.random.int(0, 1500));
    await this.worker.startUntilReady();
    this.events.push({ atMs: at - this.startedAt, kind, settled, downMs: Date.now() - at, ...detail });
  }

  private async restartServer(): Promise<void> {
    const at = Date.now();
    const settled = this.progress.closedCount;
    await this.temporal.crashAndRestart(this.random.int(500, 2500));
    this.events.push({ atMs: at - this.startedAt, kind: 'server-restart', settled, downMs: Date.now() - at });
  }
}

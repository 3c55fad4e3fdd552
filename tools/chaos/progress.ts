import type { Client } from '@temporalio/client';
import { sleep } from './retry';

/**
 * Which of the campaign's workflows have closed, from Temporal visibility (one list call per
 * interval for all changes, instead of one long poll per change). Survives a server restart: a
 * failed poll keeps what was known and tries again.
 */
export class Progress {
  private readonly closed = new Map<string, string>();
  private stopped = false;
  private lastSettledAt = Date.now();
  pollErrors = 0;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  get closedCount(): number {
    return this.closed.size;
  }

  isClosed(workflowId: string): boolean {
    return this.closed.has(workflowId);
  }

  /** Polls until `stop()`. */
  async run(intervalMs: number): Promise<void> {
    while (!this.stopped) {
      try {
        for await (const info of this.client.workflow.list({
          query: `TaskQueue = '${this.taskQueue}' AND ExecutionStatus != 'Running'`,
        })) {
          if (!this.closed.has(info.workflowId)) this.lastSettledAt = Date.now();
          this.closed.set(info.workflowId, info.status.name);
        }
      } catch {
        this.pollErrors += 1;
      }
      await sleep(intervalMs);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Milliseconds since the last change closed (or since polling began). */
  sinceLastSettledMs(now = Date.now()): number {
    return now - this.lastSettledAt;
  }

  /** Resolves once the workflow has closed; false when the deadline passed or nothing settled for `stallMs` first. */
  async settled(workflowId: string, deadline: number, stallMs = Infinity): Promise<boolean> {
    while (!this.closed.has(workflowId)) {
      if (Date.now() > deadline || this.sinceLastSettledMs() > stallMs) return false;
      await sleep(250);
    }
    return true;
  }

  /** Running workflows of the campaign whose ChangeStatus is rolling-back (visibility, eventually consistent). */
  async rollingBack(): Promise<string[]> {
    const ids: string[] = [];
    for await (const info of this.client.workflow.list({
      query: `TaskQueue = '${this.taskQueue}' AND ExecutionStatus = 'Running' AND ChangeStatus = 'rolling-back'`,
    })) {
      ids.push(info.workflowId);
    }
    return ids;
  }
}

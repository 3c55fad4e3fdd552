import type { ChangeClient } from '../client/change-client';
import { changeWorkflowId } from '../workflows/definitions';
import { terminalPhases, type ChangeStatus } from '../domain/status';
import { renderStatus } from './render';

export interface WatchOptions {
  intervalMs: number;
  json: boolean;
  uiUrl(workflowId: string): string;
  write(text: string): void;
  /** Redraw in place (a terminal) or print each new state once (a pipe, a log). */
  tty: boolean;
}

/**
 * Follows a change until it settles: in a terminal the view is redrawn every interval (the
 * deadline counts down); in a pipe, and with --json (one JSON line per state), a state is printed
 * only when it changed. Returns the last status.
 */
export async function watchChange(
  changes: ChangeClient,
  changeId: string,
  options: WatchOptions,
): Promise<ChangeStatus> {
  let last = '';
  for (;;) {
    const [status, summary] = await Promise.all([changes.status(changeId), changes.describe(changeId)]);
    const settled =
      (terminalPhases as readonly string[]).includes(status.phase) || summary.executionStatus !== 'RUNNING';
    const fingerprint = JSON.stringify(status);
    if (options.json) {
      if (fingerprint !== last)
        options.write(`${JSON.stringify({ ...status, executionStatus: summary.executionStatus })}\n`);
    } else if (options.tty) {
      options.write(
        `\x1b[H\x1b[2J${renderStatus(status, summary, Date.now(), options.uiUrl(changeWorkflowId(changeId)))}\n`,
      );
    } else if (fingerprint !== last) {
      options.write(`${renderStatus(status, summary, Date.now(), options.uiUrl(changeWorkflowId(changeId)))}\n\n`);
    }
    last = fingerprint;
    if (settled) return status;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

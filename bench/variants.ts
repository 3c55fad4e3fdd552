import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { ChangeClient } from '../src/client/change-client';
import type { ChangeReport } from '../src/workflows/types';
import { changeRequest } from './fixtures';
import type { PatchApplied, PatchInput, SagaActivities } from './saga/activities';
import type { SagaResult, sagaWorkflow } from './saga/workflow';

/**
 * One run of one variant.
 * - `wallMs`: client side, from the start call to the result (direct: first write to last undo).
 * - `recoverMs`: failure observed → everything restored. For the two Temporal variants this is
 *   workflow time (the timestamp of the workflow task that saw the failure, and of the one that
 *   saw the last restore finish); for direct calls, performance.now() around the same span.
 */
export interface RunSample {
  wallMs: number;
  recoverMs?: number;
  outcome: 'completed' | 'rolled-back';
  /** Ours only: the report's own timeToRecoverMs (from the rollback's start). */
  timeToRecoverMs?: number;
  workflowId?: string;
}

/** The product: a change through the typed client (validated, search attributes, report). */
export async function runChange(changes: ChangeClient, changeId: string, steps: PatchInput[], timeoutMs: number): Promise<RunSample> {
  const started = performance.now();
  const { workflowId } = await changes.start(changeRequest(`bench ${changeId}`, steps), { changeId });
  const report = await withTimeout(changes.result(changeId), timeoutMs, workflowId);
  const wallMs = performance.now() - started;
  return { wallMs, outcome: outcomeOf(report), recoverMs: recoveryFromTimeline(report), timeToRecoverMs: report.timeToRecoverMs, workflowId };
}

/** Failure → restored from the report's timeline: `step failed` to `phase: rolled-back`. */
export function recoveryFromTimeline(report: ChangeReport): number | undefined {
  const failed = report.timeline.find((e) => e.event === 'step failed');
  const restored = report.timeline.find((e) => e.event === 'phase: rolled-back');
  if (!failed || !restored) return undefined;
  return Date.parse(restored.at) - Date.parse(failed.at);
}

function outcomeOf(report: ChangeReport): RunSample['outcome'] {
  if (report.phase === 'completed' || report.phase === 'rolled-back') return report.phase;
  throw new Error(`change ${report.changeId} ended in phase ${report.phase}`);
}

/** Baseline (a): the saga-sample workflow on its own worker. */
export async function runSaga(client: Client, taskQueue: string, workflowId: string, steps: PatchInput[], timeoutMs: number): Promise<RunSample> {
  const started = performance.now();
  const handle = await client.workflow.start<typeof sagaWorkflow>('sagaWorkflow', { workflowId, taskQueue, args: [{ steps }] });
  const result: SagaResult = await withTimeout(handle.result(), timeoutMs, workflowId);
  const wallMs = performance.now() - started;
  const recoverMs = result.failedAt !== undefined && result.restoredAt !== undefined ? result.restoredAt - result.failedAt : undefined;
  return { wallMs, outcome: result.status, recoverMs, workflowId };
}

/** Baseline (b): the same writes and undos as plain function calls, no Temporal. */
export async function runDirect(activities: SagaActivities, steps: PatchInput[]): Promise<RunSample> {
  const started = performance.now();
  const undos: PatchApplied[] = [];
  try {
    for (const step of steps) undos.unshift(await activities.applyPatch(step));
    return { wallMs: performance.now() - started, outcome: 'completed' };
  } catch {
    const failedAt = performance.now();
    for (const applied of undos) await activities.revertPatch(applied);
    const restoredAt = performance.now();
    return { wallMs: restoredAt - started, recoverMs: restoredAt - failedAt, outcome: 'rolled-back' };
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

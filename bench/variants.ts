import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { ChangeClient } from '../src/client/change-client';
import type { ChangeReport } from '../src/domain/status';
import { changeRequest } from './fixtures';
import type { PatchApplied, PatchInput, SagaActivities } from './saga/activities';
import type { SagaResult, sagaWorkflow } from './saga/workflow';

/**
 * One run of one variant.
 * - `wallMs`: client side, from the start call to the result (direct: first write to last undo).
 * - `recoverMs`: failure observed → every undo done (and, for ours, verified). For the two
 *   Temporal variants this is workflow time: the timestamp of the workflow task that saw the
 *   step fail, and of the one that saw the last restore finish (ours: the report's
 *   `recovery.detectedAt` → `recovery.restoredAt`); for direct calls, performance.now() around
 *   the same span.
 * - `validatedMs` (ours only): failure → the post-rollback validation pass done, the report's
 *   own `recovery.timeToRecoverMs`.
 */
export interface RunSample {
  wallMs: number;
  recoverMs?: number;
  validatedMs?: number;
  outcome: 'completed' | 'rolled-back';
  workflowId?: string;
}

/** The product: a change through the typed client (validated, search attributes, report). */
export async function runChange(
  changes: ChangeClient,
  changeId: string,
  steps: PatchInput[],
  timeoutMs: number,
): Promise<RunSample> {
  const started = performance.now();
  const { workflowId } = await changes.start(changeRequest(`bench ${changeId}`, steps), { changeId });
  const report = await withTimeout(changes.result(changeId), timeoutMs, workflowId);
  const wallMs = performance.now() - started;
  const recovery = report.recovery;
  return {
    wallMs,
    outcome: outcomeOf(report),
    recoverMs: recovery ? Date.parse(recovery.restoredAt) - Date.parse(recovery.detectedAt) : undefined,
    validatedMs: recovery?.validatedAt ? recovery.timeToRecoverMs : undefined,
    workflowId,
  };
}

function outcomeOf(report: ChangeReport): RunSample['outcome'] {
  if (report.phase === 'completed' || report.phase === 'rolled-back') return report.phase;
  throw new Error(`change ${report.changeId} ended in phase ${report.phase}`);
}

/** Baseline (a): the saga-sample workflow on its own worker. */
export async function runSaga(
  client: Client,
  taskQueue: string,
  workflowId: string,
  steps: PatchInput[],
  timeoutMs: number,
): Promise<RunSample> {
  const started = performance.now();
  const handle = await client.workflow.start<typeof sagaWorkflow>('sagaWorkflow', {
    workflowId,
    taskQueue,
    args: [{ steps }],
  });
  const result: SagaResult = await withTimeout(handle.result(), timeoutMs, workflowId);
  const wallMs = performance.now() - started;
  const recoverMs =
    result.failedAt !== undefined && result.restoredAt !== undefined ? result.restoredAt - result.failedAt : undefined;
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

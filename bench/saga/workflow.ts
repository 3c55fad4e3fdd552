import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import { targetActivityOptions } from '../../src/workflows/activity-proxies';
import type { PatchInput, SagaActivities } from './activities';

// The same retry and timeout preset as the product's flow-config steps.
const { applyPatch, revertPatch } = proxyActivities<SagaActivities>(targetActivityOptions['flow-config']);

export interface SagaInput {
  steps: PatchInput[];
}

/** Workflow time (ms since epoch) of the failure and of the last undo, like the product's timeline. */
export interface SagaResult {
  status: 'completed' | 'rolled-back';
  failedAt?: number;
  restoredAt?: number;
  undone: number;
}

/**
 * Baseline (a): the shape of Temporal's TypeScript saga sample. After each activity succeeds its
 * undo is put at the front of a list; on failure the list runs in order (newest first) in a
 * non-cancellable scope. No recovery points, no verification, no status, no report.
 */
export async function sagaWorkflow(input: SagaInput): Promise<SagaResult> {
  const compensations: (() => Promise<void>)[] = [];
  try {
    for (const step of input.steps) {
      const applied = await applyPatch(step);
      compensations.unshift(() => revertPatch(applied));
    }
    return { status: 'completed', undone: 0 };
  } catch {
    const failedAt = Date.now();
    await CancellationScope.nonCancellable(async () => {
      for (const compensate of compensations) await compensate();
    });
    return { status: 'rolled-back', failedAt, restoredAt: Date.now(), undone: compensations.length };
  }
}

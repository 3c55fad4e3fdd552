import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';
import { rehearsalReport } from '../domain/rehearsal-verdict';
import type {
  FailureNote,
  PreparedStep,
  RehearsalInput,
  RehearsalReport,
  RehearsalStepInput,
  SandboxRun,
} from '../domain/rehearsal';
import { bookkeeping, stepActivities, stepOptions } from './activity-proxies';
import { failureInfo } from './change-tracker';
import type { ChangeRequest, Step } from '../domain/status';

/**
 * Rollback testing before the real run: the change's steps are applied in the sandbox (recovery
 * point → apply → verify, stopping at the first failure as the real change would), then restored
 * in reverse and verified; the sandbox documents are compared with the copies taken before, and
 * production is read again to show it was not touched. Steps of kinds without a sandbox are
 * reported "not rehearsed" and never run.
 */
export async function rehearsalWorkflow(input: RehearsalInput): Promise<RehearsalReport> {
  const startedAt = new Date().toISOString();
  const request = await requestOf(input);
  try {
    const prepared = await bookkeeping.prepareRehearsal({ rehearsalId: input.rehearsalId, steps: request.steps });
    // Keyed by step id: without a prototype, no id can name an inherited property.
    const runs: Record<string, SandboxRun> = Object.create(null) as Record<string, SandboxRun>;
    const applied = await applyInSandbox(input.rehearsalId, request.steps, prepared, runs);
    for (const step of [...applied.registered].reverse()) {
      const run = (runs[step.id] ??= {});
      try {
        Object.assign(
          run,
          await stepActivities(step).rehearseRollback.executeWithOptions(stepOptions(step, 'rehearse the restore of'), [
            stepInput(input, step),
          ]),
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
        run.restoreError = failureInfo(err);
      }
    }
    const comparisons = await bookkeeping.compareRehearsal({ rehearsalId: input.rehearsalId, steps: request.steps });
    const report = rehearsalReport({
      rehearsalId: input.rehearsalId,
      changeId: input.changeId,
      request,
      startedAt,
      finishedAt: new Date().toISOString(),
      prepared,
      runs,
      comparisons,
      applyFailed: applied.failed,
    });
    await bookkeeping.saveRehearsalReport(report);
    return report;
  } finally {
    // The sandbox documents are given back even when the rehearsal fails or is cancelled.
    await CancellationScope.nonCancellable(() => bookkeeping.releaseRehearsal({ rehearsalId: input.rehearsalId }));
  }
}

async function requestOf(input: RehearsalInput): Promise<ChangeRequest> {
  if (input.request) return input.request;
  if (input.changeId) return (await bookkeeping.loadChangeRequest(input.changeId)).request;
  throw ApplicationFailure.nonRetryable('a rehearsal needs a changeId or a request', ErrorType.InvalidStep);
}

const stepInput = (input: RehearsalInput, step: Step): RehearsalStepInput => ({ rehearsalId: input.rehearsalId, step });

/** Applies the rehearsable steps in order; the compensation is registered before each apply, as in the saga. */
async function applyInSandbox(
  rehearsalId: string,
  steps: Step[],
  prepared: PreparedStep[],
  runs: Record<string, SandboxRun>,
): Promise<{ registered: Step[]; failed?: { stepId: string; error: FailureNote } }> {
  const registered: Step[] = [];
  let failed: { stepId: string; error: FailureNote } | undefined;
  for (const step of steps) {
    if (prepared.find((p) => p.stepId === step.id)?.notRehearsed) continue;
    if (failed) {
      runs[step.id] = { notReached: true };
      continue;
    }
    registered.push(step);
    try {
      runs[step.id] = {
        applied: await stepActivities(step).rehearseApply.executeWithOptions(stepOptions(step, 'rehearse'), [
          { rehearsalId, step },
        ]),
      };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const error = failureInfo(err);
      runs[step.id] = { applyError: error };
      failed = { stepId: step.id, error };
    }
  }
  return { registered, failed };
}

import { CancellationScope, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { Activities, StepInput } from '../activities';
import { bookkeepingActivityOptions, targetActivityOptions } from './activity-options';
import { ChangeTracker, failureInfo } from './change-tracker';
import { statusQuery } from './definitions';
import type { ChangeReport, ChangeWorkflowInput, FailureInfo, Step, TargetKind } from './types';

const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

const stepActivities = Object.fromEntries(
  Object.entries(targetActivityOptions).map(([kind, options]) => [kind, proxyActivities<Activities>(options)]),
) as Record<TargetKind, ReturnType<typeof proxyActivities<Activities>>>;

/** The step's target-kind retry preset plus a summary that names the step in the Temporal UI. */
function options(step: Step, summary: string): ActivityOptions {
  return { ...targetActivityOptions[step.target], summary: `${summary} ${step.id} (${step.target})` };
}

/**
 * A change as a saga. Per step: recovery point → compensation registered → apply → verify. When a
 * step fails, every registered step (the failed one too, it may have half-applied) is restored in
 * reverse order inside a non-cancellable scope, and each restore is verified.
 */
export async function changeWorkflow(input: ChangeWorkflowInput): Promise<ChangeReport> {
  const tracker = new ChangeTracker(input);
  setHandler(statusQuery, () => tracker.status());
  tracker.record('change started', { actor: input.request.requestedBy, detail: input.request.title });

  const compensations: Step[] = [];
  let cause: (FailureInfo & { stepId: string }) | undefined;
  for (const step of input.request.steps) {
    try {
      await applyStep(input, step, tracker, compensations);
    } catch (err) {
      cause = { stepId: step.id, ...failureInfo(err) };
      tracker.updateStep(step.id, { state: 'failed', error: failureInfo(err) }, 'step failed', cause.message);
      break;
    }
  }

  let timeToRecoverMs: number | undefined;
  if (cause) {
    const started = Date.now();
    await CancellationScope.nonCancellable(() => rollback(input, compensations, tracker));
    timeToRecoverMs = Date.now() - started;
  } else {
    tracker.setPhase('completed');
  }

  const report: ChangeReport = {
    ...tracker.status(),
    requestedBy: input.request.requestedBy,
    startedAt: tracker.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    cause,
    timeToRecoverMs,
  };
  await bookkeeping.saveReport(report);
  return report;
}

async function applyStep(input: ChangeWorkflowInput, step: Step, tracker: ChangeTracker, compensations: Step[]): Promise<void> {
  const stepInput: StepInput = { changeId: input.changeId, step };
  const activities = stepActivities[step.target];
  tracker.updateStep(step.id, { state: 'applying' }, 'step applying');
  const recoveryPoint = await activities.snapshotStep.executeWithOptions(options(step, 'recovery point for'), [stepInput]);
  tracker.updateStep(step.id, { recoveryPoint }, 'recovery point captured', recoveryPoint.summary);
  // Registered before apply: a step that half-applied is restored too.
  compensations.push(step);
  const applied = await activities.applyStep.executeWithOptions(options(step, 'apply'), [stepInput]);
  await activities.verifyStep.executeWithOptions(options(step, 'verify'), [stepInput]);
  tracker.updateStep(step.id, { state: 'applied', applied }, 'step applied and verified', applied.summary);
}

async function rollback(input: ChangeWorkflowInput, compensations: Step[], tracker: ChangeTracker): Promise<void> {
  tracker.setPhase('rolling-back');
  let complete = true;
  for (const step of [...compensations].reverse()) {
    const stepInput: StepInput = { changeId: input.changeId, step };
    const activities = stepActivities[step.target];
    const before = tracker.step(step.id).state;
    tracker.updateStep(step.id, { state: 'compensating' }, 'step compensating');
    try {
      const restore = await activities.restoreStep.executeWithOptions(options(step, 'restore'), [stepInput]);
      if (restore.status === 'conflict' || restore.status === 'partial') {
        complete = false;
        tracker.updateStep(step.id, { state: 'conflict', restore }, 'restore conflict', restore.summary);
        continue;
      }
      await activities.verifyRestoreStep.executeWithOptions(options(step, 'verify restore of'), [stepInput]);
      const state = restore.status === 'not-applied' ? before : 'restored';
      tracker.updateStep(step.id, { state, restore }, `step ${restore.status}`, restore.summary);
    } catch (err) {
      complete = false;
      tracker.updateStep(step.id, { state: 'compensation-failed', error: failureInfo(err) }, 'compensation failed', failureInfo(err).message);
    }
  }
  tracker.setPhase(complete ? 'rolled-back' : 'rollback-incomplete');
}

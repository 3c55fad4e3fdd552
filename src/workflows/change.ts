import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { bookkeeping, bookkeepingOptions } from './activity-proxies';
import { approved, whenExhausted } from './approval';
import { ChangeRun } from './change-run';
import { failureInfo } from './change-tracker';
import { registerHandlers } from './handlers';
import { deliverMessagesAfterResolutions } from '../temporal/message-order';
import { CauseType } from '../domain/causes';
import type { FloorVerdict } from '../domain/policy-floor';
import { isIrreversible } from '../domain/step-policy';
import { changeLockKeys } from '../domain/locks';
import type { ChangeReport, ChangeWorkflowInput, FailureInfo, Step } from '../domain/status';
import { TimelineEventName } from '../domain/timeline-events';

/**
 * A change as a saga with people in the loop. Optional approval first; then per step: recovery
 * point → compensation registered → apply → verify. A failed step is handled by policy (roll back,
 * ask with deadlines and escalation, or hold); a manual rollback can be requested at any time
 * before the change finishes; cancelling the workflow still restores what was applied.
 */
export async function changeWorkflow(input: ChangeWorkflowInput): Promise<ChangeReport> {
  deliverMessagesAfterResolutions();
  const run = new ChangeRun(input);
  registerHandlers(run);
  run.tracker.record('change started', { actor: input.request.requestedBy, detail: input.request.title });
  // Added with the operator's policy floor: older runs replay with the rules they started with.
  const verdict = patched('policy-floor') ? await checkFloor(run) : undefined;
  const violations = verdict?.violations ?? [];
  // Added after the first histories were recorded: older runs replay without this activity.
  if (violations.length === 0 && patched('store-change-request')) await bookkeeping.saveChangeRequest(input);

  let cancellation: unknown;
  try {
    if (verdict && violations.length > 0) refuseBelowFloor(run, verdict);
    else await execute(run);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancellation = err;
    run.cancel();
  }
  // Compensation and the report survive cancellation of the workflow.
  return CancellationScope.nonCancellable(async () => {
    const report = await run.finish();
    if (cancellation) throw cancellation;
    return report;
  });
}

/** The worker's own check of the operator's floor, before anything else happens. */
async function checkFloor(run: ChangeRun): Promise<FloorVerdict> {
  run.useFloorRules();
  const verdict = await bookkeeping.checkPolicyFloor.executeWithOptions(
    bookkeepingOptions('check the operator policy floor'),
    [run.input],
  );
  run.applyFloor(verdict.floor);
  return verdict;
}

/** A request weaker than the worker's floor reached it without the API or CLI: it ends rejected, nothing applied. */
function refuseBelowFloor(run: ChangeRun, { floor, violations }: FloorVerdict): void {
  const issues = violations.map((v) => `${v.path}: ${v.message}`).join('; ');
  run.reject({
    type: CauseType.PolicyFloorViolated,
    message: `the request is weaker than the operator's policy floor "${floor.name}" (${floor.source}): ${issues}`,
  });
}

async function execute(run: ChangeRun): Promise<void> {
  const { request } = run;
  const prompt = `Approve "${request.title}" (${request.steps.length} step(s), risk ${request.risk}) requested by ${request.requestedBy}?`;
  if (request.policy.approval === 'required' && !(await approved(run, prompt))) return;
  const keys = changeLockKeys(request.steps);
  // Added after earlier histories were recorded: they replay without taking locks.
  if (keys.length > 0 && patched('target-locks') && !(await run.lockTargets(keys))) return;
  run.passGate();
  // The baseline is taken before anything is applied: it describes the world without the change.
  if (request.policy.observe) await run.openBakeWindow(request.policy.observe);
  run.tracker.setPhase('applying');
  for (const step of request.steps) {
    if (run.rollbackRequested) break;
    if ((await applyWithPolicy(run, step)) === 'rollback') break;
  }
  if (run.observing && !run.detected && !run.rollbackRequested) await observeAndDecide(run);
  if (run.rollbackRequested) run.causeFromRollbackRequest();
  if (run.detected) await run.rollback();
  else run.tracker.setPhase('completed');
}

/** The bake window: a fired trigger rolls back or asks; an inconclusive window completes or asks. */
async function observeAndDecide(run: ChangeRun): Promise<void> {
  const policy = run.request.policy.observe!;
  const { fired, outcome } = await run.watchBakeWindow();
  if (fired) {
    run.notify(
      'trigger-fired',
      `Trigger ${fired.name} fired: ${fired.metric} = ${fired.value} (${fired.comparison}${fired.baseline != null ? `, baseline ${fired.baseline}` : ''})`,
    );
    const rollback =
      policy.onTrigger === 'rollback' ||
      (await askAfterObservation(
        run,
        'trigger',
        `Trigger ${fired.name} fired (${fired.metric} = ${fired.value}, ${fired.comparison}). Roll back or accept?`,
      )) === 'rollback';
    if (rollback)
      run.detect(
        {
          type: CauseType.TriggerFired,
          message: `trigger ${fired.name} fired: ${fired.metric} = ${fired.value} (${fired.comparison})`,
        },
        fired.firedAt,
      );
  } else if (outcome === 'inconclusive' && policy.onInconclusive === 'ask') {
    const decision = await askAfterObservation(
      run,
      'inconclusive',
      'The observation window ended without enough traffic to judge. Complete or roll back?',
    );
    if (decision === 'rollback')
      run.detect({ type: CauseType.Inconclusive, message: 'rolled back after an inconclusive observation window' });
  }
}

/** Rollback or accept (trigger), complete or rollback (inconclusive); nobody in time means the default. */
async function askAfterObservation(run: ChangeRun, kind: 'trigger' | 'inconclusive', prompt: string): Promise<string> {
  const answer = await run.desk.decide({
    kind,
    prompt,
    whenExhausted: whenExhausted(run),
    phases: { escalating: 'awaiting-decision', holding: 'held' },
  });
  if ('interrupted' in answer) return 'rollback';
  if ('decision' in answer) return answer.decision.decision;
  return kind === 'trigger' ? 'rollback' : 'complete';
}

/** Applies a step; on failure follows the policy, asking people when it says so. */
async function applyWithPolicy(run: ChangeRun, step: Step): Promise<'applied' | 'skipped' | 'rollback'> {
  const { policy } = run.request;
  if (isIrreversible(step) && !(await irreversibleApproved(run, step))) return 'rollback';
  for (;;) {
    try {
      await run.applyStep(step);
      return 'applied';
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = failureInfo(err);
      const failedAt = new Date().toISOString();
      run.tracker.updateStep(
        step.id,
        { state: 'failed', error: failure },
        TimelineEventName.StepFailed,
        failure.message,
      );
      run.notify('step-failed', `Step ${step.id} failed: ${failure.message}`);
      if (run.rollbackRequested) return 'rollback';
      if (policy.onStepFailure === 'rollback') return rollbackBecause(run, step, failure, failedAt);
      const decision = await decideOnFailure(run, step, failure.message, policy.onStepFailure === 'hold');
      if (decision === 'retry') continue;
      if (decision === 'skip') {
        run.tracker.updateStep(step.id, { state: 'skipped' }, 'step skipped');
        run.tracker.setPhase('applying');
        return 'skipped';
      }
      return decision === 'rollback' ? rollbackBecause(run, step, failure, failedAt) : 'rollback';
    }
  }
}

/** A step that cannot be undone needs its own approval, whatever the change's approval policy. */
async function irreversibleApproved(run: ChangeRun, step: Step): Promise<boolean> {
  const answer = await run.desk.decide({
    kind: 'approval',
    stepId: step.id,
    prompt: `Step ${step.id} (${step.target}) cannot be undone once applied. Apply it?`,
    whenExhausted: whenExhausted(run),
    phases: { escalating: 'awaiting-approval', holding: 'awaiting-approval', answered: 'applying' },
  });
  if ('interrupted' in answer) return false;
  if ('decision' in answer && answer.decision.decision === 'approve') return true;
  const by = 'decision' in answer ? `rejected by ${answer.decision.actor}` : 'no approval before the last deadline';
  run.detect(
    { stepId: step.id, type: CauseType.IrreversibleStepNotApproved, message: `irreversible step ${step.id}: ${by}` },
    new Date().toISOString(),
  );
  return false;
}

/** The failed step becomes the cause only when the change is rolled back for it. */
function rollbackBecause(run: ChangeRun, step: Step, failure: FailureInfo, failedAt: string): 'rollback' {
  run.detect({ stepId: step.id, ...failure }, failedAt);
  return 'rollback';
}

/** Waits for retry / skip / rollback; `hold` and `whenExhausted: hold` keep waiting without deadline. */
async function decideOnFailure(
  run: ChangeRun,
  step: Step,
  problem: string,
  holdFromStart: boolean,
): Promise<'retry' | 'skip' | 'rollback' | 'interrupted'> {
  const answer = await run.desk.decide({
    kind: 'step-failure',
    stepId: step.id,
    prompt: `Step ${step.id} (${step.target}) failed: ${problem}. Retry, skip, roll back or hold?`,
    whenExhausted: whenExhausted(run),
    holdFromStart,
    holdOn: 'hold',
    phases: { escalating: 'awaiting-decision', holding: 'held', answered: 'applying' },
  });
  if ('interrupted' in answer) return 'interrupted';
  if ('exhausted' in answer) return 'rollback';
  return answer.decision.decision as 'retry' | 'skip' | 'rollback';
}

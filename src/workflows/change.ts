import { CancellationScope, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeepingActivityOptions } from './activity-options';
import { ChangeRun } from './change-run';
import { failureInfo } from './change-tracker';
import { registerHandlers } from './handlers';
import { deliverMessagesAfterResolutions } from '../temporal/message-order';
import type { ObservePolicy } from '../domain/observation';
import { isIrreversible } from '../domain/step-policy';
import { changeLockKeys } from '../domain/locks';
import { lockTargets, releaseTargetLocks } from './locks';
import { observe, takeBaselines } from './observation';
import type { ChangeReport, ChangeWorkflowInput, FailureInfo, ObservationReport, Step } from '../domain/status';
import type { FieldIssue } from '../domain/validation';

const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

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
  const violations = patched('policy-floor') ? await checkFloor(run) : [];
  // Added after the first histories were recorded: older runs replay without this activity.
  if (violations.length === 0 && patched('store-change-request')) await bookkeeping.saveChangeRequest(input);

  let cancellation: unknown;
  try {
    if (violations.length > 0) refuseBelowFloor(run, violations);
    else await execute(run);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancellation = err;
    run.cancelled = true;
    run.cause ??= { type: 'Cancelled', message: 'the change workflow was cancelled' };
    run.detectedAt ??= new Date().toISOString();
    run.tracker.record('change cancelled');
  }
  // Compensation and the report survive cancellation of the workflow.
  return CancellationScope.nonCancellable(async () => {
    if (run.cancelled) await run.rollback();
    await releaseTargetLocks(run);
    const report = run.report();
    await bookkeeping.saveReport(report);
    await run.drainNotifications();
    if (cancellation) throw cancellation;
    return report;
  });
}

/** The worker's own check of the operator's floor, before anything else happens. */
async function checkFloor(run: ChangeRun): Promise<FieldIssue[]> {
  run.useFloorRules();
  const verdict = await bookkeeping.checkPolicyFloor.executeWithOptions({ ...bookkeepingActivityOptions, summary: 'check the operator policy floor' }, [run.input]);
  run.applyFloor(verdict.floor);
  return verdict.violations;
}

/** A request weaker than the worker's floor reached it without the API or CLI: it ends rejected, nothing applied. */
function refuseBelowFloor(run: ChangeRun, violations: FieldIssue[]): void {
  const floor = run.floor!;
  run.cause = { type: 'PolicyFloorViolated', message: `the request is weaker than the operator's policy floor "${floor.name}" (${floor.source}): ${violations.map((v) => `${v.path}: ${v.message}`).join('; ')}` };
  run.tracker.setPhase('rejected', run.cause.message);
}

async function execute(run: ChangeRun): Promise<void> {
  const { request } = run.input;
  if (request.policy.approval === 'required' && !(await approved(run))) return;
  const keys = changeLockKeys(request.steps);
  // Added after earlier histories were recorded: they replay without taking locks.
  if (keys.length > 0 && patched('target-locks') && !(await lockTargets(run, keys))) return;
  const observePolicy = request.policy.observe;
  // The baseline is taken before anything is applied: it describes the world without the change.
  if (observePolicy) run.observation = { startedAt: '', outcome: 'healthy', baselines: await takeBaselines(run, observePolicy), samples: [] };
  run.tracker.setPhase('applying');
  for (const step of request.steps) {
    if (run.rollbackRequest) break;
    if ((await applyWithPolicy(run, step)) === 'rollback') break;
  }
  if (observePolicy && run.observation && !run.cause && !run.rollbackRequest) await observeAndDecide(run, observePolicy, run.observation);
  if (run.rollbackRequest) run.causeFromRollbackRequest();
  if (run.cause) await run.rollback();
  else run.tracker.setPhase('completed');
}

/** The bake window: a fired trigger rolls back or asks; an inconclusive window completes or asks. */
async function observeAndDecide(run: ChangeRun, policy: ObservePolicy, report: ObservationReport): Promise<void> {
  report.startedAt = new Date().toISOString();
  const fired = await observe(run, policy, report);
  report.endedAt = new Date().toISOString();
  if (fired) {
    run.trigger = fired;
    run.notify('trigger-fired', `Trigger ${fired.name} fired: ${fired.metric} = ${fired.value} (${fired.comparison}${fired.baseline != null ? `, baseline ${fired.baseline}` : ''})`);
    const rollback = policy.onTrigger === 'rollback' || (await askAfterObservation(run, 'trigger', `Trigger ${fired.name} fired (${fired.metric} = ${fired.value}, ${fired.comparison}). Roll back or accept?`)) === 'rollback';
    if (rollback) {
      run.cause ??= { type: 'TriggerFired', message: `trigger ${fired.name} fired: ${fired.metric} = ${fired.value} (${fired.comparison})` };
      run.detectedAt ??= fired.firedAt;
    }
  } else if (report.outcome === 'inconclusive' && policy.onInconclusive === 'ask') {
    const decision = await askAfterObservation(run, 'inconclusive', 'The observation window ended without enough traffic to judge. Complete or roll back?');
    if (decision === 'rollback') run.cause ??= { type: 'Inconclusive', message: 'rolled back after an inconclusive observation window' };
  }
}

async function askAfterObservation(run: ChangeRun, kind: 'trigger' | 'inconclusive', prompt: string): Promise<string> {
  let mode: 'escalate' | 'hold' = 'escalate';
  for (;;) {
    run.tracker.setPhase(mode === 'hold' ? 'held' : 'awaiting-decision');
    const answer = await run.desk.ask({ kind, mode, prompt, startLevel: mode === 'hold' ? run.levels.length - 1 : 0 });
    if ('interrupted' in answer) return 'rollback';
    if ('decision' in answer) return answer.decision.decision;
    if (run.input.request.policy.escalation?.whenExhausted !== 'hold') return kind === 'trigger' ? 'rollback' : 'complete';
    mode = 'hold';
  }
}

/** The approval gate: approve goes on; reject (or no decision in time) ends with nothing applied. */
async function approved(run: ChangeRun): Promise<boolean> {
  const { request } = run.input;
  run.tracker.setPhase('awaiting-approval');
  let mode: 'escalate' | 'hold' = 'escalate';
  for (;;) {
    const answer = await run.desk.ask({
      kind: 'approval',
      mode,
      approvalsNeeded: request.risk === 'high' ? 2 : 1,
      startLevel: mode === 'hold' ? run.levels.length - 1 : 0,
      prompt: `Approve "${request.title}" (${request.steps.length} step(s), risk ${request.risk}) requested by ${request.requestedBy}?`,
    });
    if ('interrupted' in answer) {
      run.causeFromRollbackRequest();
      run.tracker.setPhase('rolled-back', 'rollback requested before anything was applied');
      return false;
    }
    if ('exhausted' in answer) {
      if (request.policy.escalation?.whenExhausted === 'hold') {
        mode = 'hold';
        continue;
      }
      run.cause = { type: 'NotApproved', message: 'no approval before the last deadline' };
    } else if (answer.decision.decision === 'approve') {
      run.approved = true;
      return true;
    } else {
      run.cause = { type: 'Rejected', message: `rejected by ${answer.decision.actor}${answer.decision.comment ? `: ${answer.decision.comment}` : ''}` };
    }
    run.tracker.setPhase('rejected', run.cause.message);
    return false;
  }
}

/** Applies a step; on failure follows the policy, asking people when it says so. */
async function applyWithPolicy(run: ChangeRun, step: Step): Promise<'applied' | 'skipped' | 'rollback'> {
  const { policy } = run.input.request;
  if (isIrreversible(step) && !(await irreversibleApproved(run, step))) return 'rollback';
  for (;;) {
    try {
      await run.applyStep(step);
      return 'applied';
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = failureInfo(err);
      const failedAt = new Date().toISOString();
      run.tracker.updateStep(step.id, { state: 'failed', error: failure }, 'step failed', failure.message);
      run.notify('step-failed', `Step ${step.id} failed: ${failure.message}`);
      if (run.rollbackRequest) return 'rollback';
      if (policy.onStepFailure === 'rollback') return rollbackBecause(run, step, failure, failedAt);
      const decision = await decideOnFailure(run, step, failure.message, policy.onStepFailure === 'ask' ? 'escalate' : 'hold');
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
  let mode: 'escalate' | 'hold' = 'escalate';
  for (;;) {
    run.tracker.setPhase('awaiting-approval');
    const answer = await run.desk.ask({
      kind: 'approval',
      stepId: step.id,
      mode,
      startLevel: mode === 'hold' ? run.levels.length - 1 : 0,
      prompt: `Step ${step.id} (${step.target}) cannot be undone once applied. Apply it?`,
    });
    run.tracker.setPhase('applying');
    if ('interrupted' in answer) return false;
    if ('exhausted' in answer && run.input.request.policy.escalation?.whenExhausted === 'hold') {
      mode = 'hold';
      continue;
    }
    if (!('exhausted' in answer) && answer.decision.decision === 'approve') return true;
    const by = 'exhausted' in answer ? 'no approval before the last deadline' : `rejected by ${answer.decision.actor}`;
    run.cause ??= { stepId: step.id, type: 'IrreversibleStepNotApproved', message: `irreversible step ${step.id}: ${by}` };
    run.detectedAt ??= new Date().toISOString();
    return false;
  }
}

/** The failed step becomes the cause only when the change is rolled back for it. */
function rollbackBecause(run: ChangeRun, step: Step, failure: FailureInfo, failedAt: string): 'rollback' {
  run.cause ??= { stepId: step.id, ...failure };
  run.detectedAt ??= failedAt;
  return 'rollback';
}

/** Waits for retry / skip / rollback; `hold` and `whenExhausted: hold` keep waiting without deadline. */
async function decideOnFailure(run: ChangeRun, step: Step, problem: string, initial: 'escalate' | 'hold'): Promise<'retry' | 'skip' | 'rollback' | 'interrupted'> {
  let mode = initial;
  for (;;) {
    run.tracker.setPhase(mode === 'hold' ? 'held' : 'awaiting-decision');
    const answer = await run.desk.ask({
      kind: 'step-failure',
      stepId: step.id,
      mode,
      startLevel: mode === 'hold' && initial === 'escalate' ? run.levels.length - 1 : 0,
      prompt: `Step ${step.id} (${step.target}) failed: ${problem}. Retry, skip, roll back or hold?`,
    });
    run.tracker.setPhase('applying');
    if ('interrupted' in answer) return 'interrupted';
    if ('exhausted' in answer) {
      if (run.input.request.policy.escalation?.whenExhausted === 'hold') {
        mode = 'hold';
        continue;
      }
      return 'rollback';
    }
    const { decision } = answer.decision;
    if (decision === 'hold') {
      mode = 'hold';
      continue;
    }
    return decision as 'retry' | 'skip' | 'rollback';
  }
}

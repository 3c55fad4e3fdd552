import { CancellationScope, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeepingActivityOptions } from './activity-options';
import { ChangeRun } from './change-run';
import { failureInfo } from './change-tracker';
import { decisionSignal, decisionUpdate, rollbackSignal, rollbackUpdate, statusQuery } from './definitions';
import { isIrreversible } from '../domain/step-policy';
import type { ChangeReport, ChangeWorkflowInput, FailureInfo, Step } from './types';

const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

/**
 * A change as a saga with people in the loop. Optional approval first; then per step: recovery
 * point → compensation registered → apply → verify. A failed step is handled by policy (roll back,
 * ask with deadlines and escalation, or hold); a manual rollback can be requested at any time
 * before the change finishes; cancelling the workflow still restores what was applied.
 */
export async function changeWorkflow(input: ChangeWorkflowInput): Promise<ChangeReport> {
  const run = new ChangeRun(input);
  setHandler(statusQuery, () => run.status());
  setHandler(decisionSignal, (decision) => void run.desk.receive(decision, 'signal'));
  setHandler(decisionUpdate, (decision) => run.desk.receive(decision, 'update'), {
    validator: (decision) => {
      const checked = run.desk.check(decision);
      if (!checked.ok) throw new Error(checked.reason);
    },
  });
  setHandler(rollbackSignal, (request) => void run.requestRollback(request));
  setHandler(rollbackUpdate, (request) => run.requestRollback(request), {
    validator: (request) => {
      const checked = run.checkRollback(request);
      if (checked.status === 'refused') throw new Error(checked.reason);
    },
  });
  run.tracker.record('change started', { actor: input.request.requestedBy, detail: input.request.title });

  let cancellation: unknown;
  try {
    await execute(run);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancellation = err;
    run.cancelled = true;
    run.cause ??= { type: 'Cancelled', message: 'the change workflow was cancelled' };
    run.tracker.record('change cancelled');
  }
  // Compensation and the report survive cancellation of the workflow.
  return CancellationScope.nonCancellable(async () => {
    if (run.cancelled) await run.rollback();
    const report = run.report();
    await bookkeeping.saveReport(report);
    await run.drainNotifications();
    if (cancellation) throw cancellation;
    return report;
  });
}

async function execute(run: ChangeRun): Promise<void> {
  const { request } = run.input;
  if (request.policy.approval === 'required' && !(await approved(run))) return;
  run.tracker.setPhase('applying');
  for (const step of request.steps) {
    if (run.rollbackRequest) break;
    if ((await applyWithPolicy(run, step)) === 'rollback') break;
  }
  if (run.rollbackRequest) run.causeFromRollbackRequest();
  if (run.cause) await run.rollback();
  else run.tracker.setPhase('completed');
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
      run.tracker.updateStep(step.id, { state: 'failed', error: failure }, 'step failed', failure.message);
      run.notify('step-failed', `Step ${step.id} failed: ${failure.message}`);
      if (run.rollbackRequest) return 'rollback';
      if (policy.onStepFailure === 'rollback') return rollbackBecause(run, step, failure);
      const decision = await decideOnFailure(run, step, failure.message, policy.onStepFailure === 'ask' ? 'escalate' : 'hold');
      if (decision === 'retry') continue;
      if (decision === 'skip') {
        run.tracker.updateStep(step.id, { state: 'skipped' }, 'step skipped');
        run.tracker.setPhase('applying');
        return 'skipped';
      }
      return decision === 'rollback' ? rollbackBecause(run, step, failure) : 'rollback';
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
    return false;
  }
}

/** The failed step becomes the cause only when the change is rolled back for it. */
function rollbackBecause(run: ChangeRun, step: Step, failure: FailureInfo): 'rollback' {
  run.cause ??= { stepId: step.id, ...failure };
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

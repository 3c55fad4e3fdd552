import type { StepInput } from '../domain/outcomes';
import { isIrreversible } from '../domain/step-policy';
import { failureInfo } from './change-tracker';
import type { ChangeRun } from './change-run';
import { stepActivities, stepOptions, verifiesInTheSameActivity } from './step-activities';
import type { Step } from '../domain/status';

/**
 * The order compensations run in: reverse registration order, except that steps of an independent
 * group are compensated together, at the position of the group's latest step.
 */
export function compensationUnits(registered: Step[], independentGroups: string[][]): Step[][] {
  const units: Step[][] = [];
  const done = new Set<string>();
  for (const step of [...registered].reverse()) {
    if (done.has(step.id)) continue;
    const group = independentGroups.find((g) => g.includes(step.id));
    const unit = group ? [...registered].reverse().filter((s) => group.includes(s.id)) : [step];
    unit.forEach((s) => done.add(s.id));
    units.push(unit);
  }
  return units;
}

/**
 * Restores one step and verifies it. A restore that fails after its retries, or finds a conflict,
 * is never dropped: a person is asked (retry-compensation or resolved-manually), with the same
 * escalation as any decision, and after the last level the question stays open without deadline.
 */
export async function compensateStep(run: ChangeRun, step: Step): Promise<void> {
  const input: StepInput = { changeId: run.changeId, step };
  const activities = stepActivities(step);
  const before = run.tracker.step(step.id).state;
  if (isIrreversible(step) && before === 'applied') {
    // Approved knowing it cannot be undone: nothing to restore, and nobody to ask.
    run.tracker.record('not compensated: irreversible step', { stepId: step.id, detail: 'approved as irreversible before it was applied' });
    return;
  }
  let mode: 'escalate' | 'hold' = 'escalate';
  for (;;) {
    run.tracker.updateStep(step.id, { state: 'compensating' }, 'step compensating');
    run.tracker.time(step.id, 'compensationStartedAt', true);
    let problem: string;
    try {
      // One activity restores and verifies; runs recorded before that replay with two.
      const together = verifiesInTheSameActivity(step);
      const restore = together
        ? await activities.restoreAndVerifyStep.executeWithOptions(stepOptions(step, 'restore and verify'), [input])
        : await activities.restoreStep.executeWithOptions(stepOptions(step, 'restore'), [input]);
      if (restore.status === 'conflict' || restore.status === 'partial') {
        run.tracker.updateStep(step.id, { state: 'conflict', restore }, 'restore conflict', restore.summary);
        problem = restore.summary;
      } else {
        if (!together) await activities.verifyRestoreStep.executeWithOptions(stepOptions(step, 'verify restore of'), [input]);
        const state = restore.status === 'not-applied' ? before : 'restored';
        run.tracker.time(step.id, 'compensatedAt');
        run.tracker.updateStep(step.id, { state, restore }, `step ${restore.status}`, restore.summary);
        return;
      }
    } catch (err) {
      const failure = failureInfo(err);
      run.tracker.updateStep(step.id, { state: 'compensation-failed', error: failure }, 'compensation failed', failure.message);
      problem = failure.message;
    }
    run.notify('compensation-failed', `Restoring ${step.id} needs a decision: ${problem}`);
    const answer = await run.desk.ask({
      kind: 'compensation',
      stepId: step.id,
      mode,
      startLevel: mode === 'hold' ? run.levels.length - 1 : 0,
      prompt: `Restore of ${step.id} (${step.target}) did not succeed: ${problem}. Retry it, or resolve it by hand and say what you did.`,
    });
    if ('exhausted' in answer || 'interrupted' in answer) {
      mode = 'hold';
      continue;
    }
    if (answer.decision.decision === 'resolved-manually') {
      const { actor, comment, at } = answer.decision;
      run.tracker.time(step.id, 'compensatedAt');
      run.tracker.updateStep(step.id, { resolvedManually: { actor, comment, at } }, 'compensation resolved manually', comment);
      return;
    }
  }
}

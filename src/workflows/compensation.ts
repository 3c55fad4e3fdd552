import type { StepInput } from '../domain/outcomes';
import { isIrreversible } from '../domain/step-policy';
import { stepActivities, stepOptions, verifiesInTheSameActivity } from './activity-proxies';
import { failureInfo } from './change-tracker';
import { Escalation } from './decision-desk';
import type { RunScope } from './run-scope';
import type { Step } from '../domain/status';

/**
 * The order compensations run in: reverse registration order, except that steps of an independent
 * group are compensated together, at the position of the group's latest step.
 */
export function compensationUnits(registered: readonly Step[], independentGroups: string[][]): Step[][] {
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
 * escalation as any decision; when nobody answers in time the restore is tried once more, and
 * after that the question stays open at the last level without deadline.
 *
 * The step's `compensatedAt` is when its last restore attempt ended (restored, conflicted or
 * failed); a resolution by hand keeps its own time in `resolvedManually.at`. Returns how long the
 * step waited on people, so the report can say how much of the time to recover that was.
 */
export async function compensateStep(scope: RunScope, step: Step): Promise<number> {
  const { tracker } = scope;
  const input: StepInput = { changeId: scope.changeId, step };
  const activities = stepActivities(step);
  const before = tracker.step(step.id).state;
  if (isIrreversible(step) && before === 'applied') {
    // Approved knowing it cannot be undone: nothing to restore, and nobody to ask.
    tracker.record('not compensated: irreversible step', {
      stepId: step.id,
      detail: 'approved as irreversible before it was applied',
    });
    return 0;
  }
  const escalation = new Escalation();
  let waitedMs = 0;
  for (;;) {
    tracker.updateStep(step.id, { state: 'compensating' }, 'step compensating');
    tracker.time(step.id, 'compensationStartedAt', true);
    let problem: string;
    try {
      // One activity restores and verifies; runs recorded before that replay with two.
      const together = verifiesInTheSameActivity(step);
      const restore = together
        ? await activities.restoreAndVerifyStep.executeWithOptions(stepOptions(step, 'restore and verify'), [input])
        : await activities.restoreStep.executeWithOptions(stepOptions(step, 'restore'), [input]);
      if (restore.status === 'conflict' || restore.status === 'partial') {
        tracker.time(step.id, 'compensatedAt');
        tracker.updateStep(step.id, { state: 'conflict', restore }, 'restore conflict', restore.summary);
        problem = restore.summary;
      } else {
        if (!together)
          await activities.verifyRestoreStep.executeWithOptions(stepOptions(step, 'verify restore of'), [input]);
        const state = restore.status === 'not-applied' ? before : 'restored';
        tracker.time(step.id, 'compensatedAt');
        tracker.updateStep(step.id, { state, restore }, `step ${restore.status}`, restore.summary);
        return waitedMs;
      }
    } catch (err) {
      const failure = failureInfo(err);
      tracker.time(step.id, 'compensatedAt');
      tracker.updateStep(
        step.id,
        { state: 'compensation-failed', error: failure },
        'compensation failed',
        failure.message,
      );
      problem = failure.message;
    }
    scope.notify('compensation-failed', `Restoring ${step.id} needs a decision: ${problem}`);
    // A compensation is never interrupted: it runs while the change rolls back.
    const askedAt = Date.now();
    const answer = await scope.desk.decide(
      {
        kind: 'compensation',
        stepId: step.id,
        whenExhausted: 'return',
        prompt: `Restore of ${step.id} (${step.target}) did not succeed: ${problem}. Retry it, or resolve it by hand and say what you did.`,
      },
      escalation,
    );
    waitedMs += Date.now() - askedAt;
    if ('decision' in answer && answer.decision.decision === 'resolved-manually') {
      const { actor, comment, at } = answer.decision;
      tracker.updateStep(
        step.id,
        { resolvedManually: { actor, comment, at } },
        'compensation resolved manually',
        comment,
      );
      return waitedMs;
    }
  }
}

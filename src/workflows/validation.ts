import { patched, sleep } from '@temporalio/workflow';
import type { StepInput } from '../domain/outcomes';
import { stepActivities, stepOptions } from './activity-proxies';
import { failureInfo } from './change-tracker';
import { durationMs } from '../domain/durations';
import { judgeAll } from './observation';
import type { RunScope } from './run-scope';
import type { ObservationReport, Step, ValidationReport } from '../domain/status';

/**
 * After every compensation: each restored target — and each one a person resolved by hand after a
 * conflicted or failed restore, which a partial lead restore leaves with thousands of restored
 * leads — is re-read and compared with what its restore wrote and its recovery point,
 * and, when the policy has a recovery window, the triggers' metrics are observed again to confirm
 * recovery (against the baselines taken before the change, when there are any). A failed
 * validation is escalated (someone must acknowledge it), never hidden.
 */
export async function validateRollback(
  scope: RunScope,
  registered: readonly Step[],
  baselines: ObservationReport['baselines'],
): Promise<ValidationReport> {
  scope.tracker.record('validating rollback');
  const restored = registered.filter((s) => scope.tracker.step(s.id).state === 'restored');
  // Runs from before the patch validated only the steps a restore finished (no activity for the others).
  const byHand = registered.filter((s) => scope.tracker.step(s.id).resolvedManually !== undefined);
  const checked = byHand.length > 0 && patched('validate-resolved-by-hand') ? [...restored, ...byHand] : restored;
  const targets = await Promise.all(
    checked.map(async (step) => {
      const input: StepInput = { changeId: scope.changeId, step };
      const status = scope.tracker.step(step.id);
      const recoveryPointChecksum = status.recoveryPoint?.checksum;
      const resolvedManually = status.resolvedManually && {
        actor: status.resolvedManually.actor,
        at: status.resolvedManually.at,
      };
      const byWhom = resolvedManually ? `resolved by hand by ${resolvedManually.actor}; ` : '';
      try {
        await stepActivities(step).verifyRestoreStep.executeWithOptions(stepOptions(step, 'validate restore of'), [
          input,
        ]);
        return {
          stepId: step.id,
          target: step.target,
          ok: true,
          recoveryPointChecksum,
          ...(resolvedManually && { resolvedManually }),
          detail: `${byWhom}${resolvedManually ? 'what its restore wrote still holds' : 'matches its recovery point'}`,
        };
      } catch (err) {
        return {
          stepId: step.id,
          target: step.target,
          ok: false,
          recoveryPointChecksum,
          ...(resolvedManually && { resolvedManually }),
          detail: `${byWhom}${failureInfo(err).message}`,
        };
      }
    }),
  );
  const observe = scope.request.policy.observe;
  let metrics: ValidationReport['metrics'];
  if (observe?.recoveryWindow) {
    await sleep(observe.recoveryWindow);
    const to = new Date();
    const from = new Date(to.getTime() - durationMs(observe.recoveryWindow));
    const judged = await judgeAll(scope, observe, baselines, [], from, to);
    metrics = judged.map((j) => j.record);
  }
  const ok = targets.every((t) => t.ok) && !(metrics ?? []).some((m) => m.verdict === 'breach');
  const report: ValidationReport = { ok, validatedAt: new Date().toISOString(), targets, metrics };
  scope.tracker.record(ok ? 'rollback validated' : 'rollback validation failed', {
    detail: ok ? `${targets.length} target(s) match their recovery points` : describeFailures(report),
  });
  return report;
}

/**
 * A failed validation needs a person to acknowledge it, whatever the policy says about exhausted
 * escalations: after the last level it waits without deadline. (Never interrupted: it runs while
 * the change rolls back, when a rollback request wakes nothing.)
 */
export async function acknowledgeFailedValidation(scope: RunScope, validation: ValidationReport): Promise<void> {
  scope.notify('validation-failed', `Rollback validation failed: ${describeFailures(validation)}`);
  await scope.desk.decide({
    kind: 'validation',
    whenExhausted: 'hold',
    prompt: `The rollback did not validate: ${describeFailures(validation)}. Look into it and acknowledge.`,
  });
}

function describeFailures(report: ValidationReport): string {
  const targets = report.targets.filter((t) => !t.ok).map((t) => `${t.stepId}: ${t.detail}`);
  const metrics = (report.metrics ?? [])
    .filter((m) => m.verdict === 'breach')
    .map((m) => `${m.trigger} still breaching: ${m.reason}`);
  return [...targets, ...metrics].join('; ');
}

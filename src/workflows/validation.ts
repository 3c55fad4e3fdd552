import { sleep } from '@temporalio/workflow';
import type { StepInput } from '../domain/outcomes';
import type { ChangeRun } from './change-run';
import { failureInfo } from './change-tracker';
import { durationMs } from '../domain/durations';
import { judgeAll } from './observation';
import { stepActivities, stepOptions } from './step-activities';
import type { ValidationReport } from '../domain/status';

/**
 * After every compensation: each restored target is re-read and compared with its recovery point,
 * and, when the policy has a recovery window, the triggers' metrics are observed again to confirm
 * recovery. A failed validation is escalated (someone must acknowledge it), never hidden.
 */
export async function validateRollback(run: ChangeRun): Promise<ValidationReport> {
  run.tracker.record('validating rollback');
  const restored = run.registered.filter((s) => run.tracker.step(s.id).state === 'restored');
  const targets = await Promise.all(
    restored.map(async (step) => {
      const input: StepInput = { changeId: run.changeId, step };
      const recoveryPointChecksum = run.tracker.step(step.id).recoveryPoint?.checksum;
      try {
        await stepActivities(step).verifyRestoreStep.executeWithOptions(stepOptions(step, 'validate restore of'), [input]);
        return { stepId: step.id, target: step.target, ok: true, recoveryPointChecksum, detail: 'matches its recovery point' };
      } catch (err) {
        return { stepId: step.id, target: step.target, ok: false, recoveryPointChecksum, detail: failureInfo(err).message };
      }
    }),
  );
  const observe = run.input.request.policy.observe;
  let metrics: ValidationReport['metrics'];
  if (observe?.recoveryWindow) {
    await sleep(observe.recoveryWindow);
    const to = new Date();
    const from = new Date(to.getTime() - durationMs(observe.recoveryWindow));
    const judged = await judgeAll(run, observe, { baselines: run.observation?.baselines ?? [], samples: [] }, from, to);
    metrics = judged.map((j) => j.record);
  }
  const ok = targets.every((t) => t.ok) && !(metrics ?? []).some((m) => m.verdict === 'breach');
  const report: ValidationReport = { ok, validatedAt: new Date().toISOString(), targets, metrics };
  run.tracker.record(ok ? 'rollback validated' : 'rollback validation failed', {
    detail: ok ? `${targets.length} target(s) match their recovery points` : describeFailures(report),
  });
  return report;
}

export function describeFailures(report: ValidationReport): string {
  const targets = report.targets.filter((t) => !t.ok).map((t) => `${t.stepId}: ${t.detail}`);
  const metrics = (report.metrics ?? []).filter((m) => m.verdict === 'breach').map((m) => `${m.trigger} still breaching: ${m.reason}`);
  return [...targets, ...metrics].join('; ');
}

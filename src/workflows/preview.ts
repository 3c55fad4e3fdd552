import { bookkeeping, stepActivities, stepOptions } from './activity-proxies';
import type { RollbackPreview } from '../domain/status';

/**
 * What a rollback of a change (running or finished) would do, per target, as a diff between now
 * and the recovery point — without doing it. A workflow so the worker, which holds the targets'
 * credentials, reads them; callers only need the Temporal client.
 */
export async function previewRollbackWorkflow(input: { changeId: string }): Promise<RollbackPreview> {
  const { request } = await bookkeeping.loadChangeRequest(input.changeId);
  const steps = await Promise.all(
    [...request.steps].reverse().map(async (step) => {
      const preview = await stepActivities(step).previewRestoreStep.executeWithOptions(
        stepOptions(step, 'preview restore of'),
        [{ changeId: input.changeId, step }],
      );
      return { stepId: step.id, target: step.target, ...preview };
    }),
  );
  return { changeId: input.changeId, steps };
}

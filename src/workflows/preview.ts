import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeepingActivityOptions, targetActivityOptions } from './activity-options';
import type { RollbackPreview } from '../domain/status';

const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

/**
 * What a rollback of a change (running or finished) would do, per target, as a diff between now
 * and the recovery point — without doing it. A workflow so the worker, which holds the targets'
 * credentials, reads them; callers only need the Temporal client.
 */
export async function previewRollbackWorkflow(input: { changeId: string }): Promise<RollbackPreview> {
  const { request } = await bookkeeping.loadChangeRequest(input.changeId);
  const steps = await Promise.all(
    [...request.steps].reverse().map(async (step) => {
      const { previewRestoreStep } = proxyActivities<Activities>(targetActivityOptions[step.target]);
      const preview = await previewRestoreStep.executeWithOptions(
        { ...targetActivityOptions[step.target], summary: `preview restore of ${step.id} (${step.target})` },
        [{ changeId: input.changeId, step }],
      );
      return { stepId: step.id, target: step.target, ...preview };
    }),
  );
  return { changeId: input.changeId, steps };
}

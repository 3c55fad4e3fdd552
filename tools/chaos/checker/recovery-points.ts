import type { Db } from 'mongodb';
import type { Manifest } from '../manifest';
import type { Inconsistency, Outcome } from './types';
import { productCollection } from '../../../src/store/collections';

/**
 * No recovery point is orphaned: each belongs to a step of a change that exists and is terminal.
 * (`before-restore` points are only taken while restoring, so they belong to rolled-back changes.)
 */
export async function checkRecoveryPoints(
  manifest: Manifest,
  outcomes: Record<string, Outcome>,
  db: Db,
): Promise<{ inconsistencies: Inconsistency[]; count: number }> {
  const inconsistencies: Inconsistency[] = [];
  const changes = new Map(manifest.changes.map((c) => [c.changeId, c]));
  let count = 0;
  const points = productCollection<{ _id: string; changeId: string; stepId: string; purpose: string }>(
    db,
    'recoveryPoints',
  ).find({}, { projection: { changeId: 1, stepId: 1, purpose: 1 } });
  for await (const point of points) {
    count += 1;
    const change = changes.get(point.changeId);
    const orphan = (detail: string) =>
      inconsistencies.push({
        check: 'recovery-point',
        changeId: point.changeId,
        stepId: point.stepId,
        detail: `recovery point ${point._id}: ${detail}`,
      });
    if (!change) orphan('belongs to no change of the campaign');
    else if (!change.request.steps.some((s) => s.id === point.stepId))
      orphan(`change ${point.changeId} has no step ${point.stepId}`);
    else if (outcomes[point.changeId] === 'not-terminal') orphan(`its change ${point.changeId} is not terminal`);
    else if (point.purpose === 'before-restore' && outcomes[point.changeId] !== 'rolled-back')
      orphan(`taken while restoring, but change ${point.changeId} ended ${outcomes[point.changeId]}`);
  }
  return { inconsistencies, count };
}

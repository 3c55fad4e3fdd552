import type { RestoreOutcome, StepKey } from '../../../domain/outcomes';
import type { RecoveryPointStore } from '../../../store/recovery-points';

/**
 * The outcome of a restore that finds this step's own restore already done: an earlier attempt
 * wrote it and its worker died before it could answer, or an earlier compensation attempt did it
 * before its verification failed. Nothing is written twice, and it is reported `restored`, with
 * the recovery point the restore took first, so a report says `restored` once, whichever attempt
 * did it. (`already-restored` stays for a target found at its recovery point that this step's
 * restore never wrote.)
 */
export async function restoredBefore(
  recoveryPoints: RecoveryPointStore,
  key: StepKey,
  recoveryPointId: string,
  summary: string,
  restoredCount?: number,
): Promise<RestoreOutcome> {
  const preRestore = await recoveryPoints.get(key, 'before-restore');
  return {
    status: 'restored',
    summary: `${summary} (by an earlier attempt of this restore)`,
    recoveryPointId,
    ...(preRestore && { preRestorePointId: preRestore._id }),
    ...(restoredCount !== undefined && { restoredCount }),
  };
}

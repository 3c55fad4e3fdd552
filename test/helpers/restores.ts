import type { RestoreOutcome } from '../../src/domain/outcomes';

/**
 * What a restore run again answers when an earlier attempt did the restore (its worker died before
 * it could answer): `restored` once more, with the recovery points of the restore that did it.
 */
export function sameRestoreAs(first: RestoreOutcome): Record<string, unknown> {
  expect(first.status).toBe('restored');
  const proof = first as Extract<RestoreOutcome, { status: 'restored' }>;
  return {
    status: 'restored',
    recoveryPointId: proof.recoveryPointId,
    ...(proof.preRestorePointId !== undefined && { preRestorePointId: proof.preRestorePointId }),
    summary: expect.stringContaining('by an earlier attempt'),
  };
}

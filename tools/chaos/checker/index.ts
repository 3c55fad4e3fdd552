import { changeWorkflowId } from '../../../src/workflows/definitions';
import { checkAtMostOnce } from './effects';
import { readPeer, type CrmPeerStateView } from './peers';
import { checkRecoveryPoints } from './recovery-points';
import { checkTargets } from './targets';
import { checkTerminal } from './terminal';
import type { CheckInput, CheckResult, Inconsistency } from './types';

export type { CheckInput, CheckResult, Inconsistency, Outcome } from './types';
export { targetLocksCollection, type LockSource, type HeldLock } from './locks';

/**
 * The independent checker. It knows the manifest (what each change asked for and each target's
 * seed) and reads everything else itself: Temporal (describe, list), MongoDB (flows, their
 * versions, recovery points) and the peers (state, per-key effects) over their admin routes. It
 * never reads the workflows' reports, status queries or the campaign's own counters.
 */
export async function checkCampaign(input: CheckInput): Promise<CheckResult> {
  const { manifest, client, db } = input;
  const inconsistencies: Inconsistency[] = [];
  const terminal = await checkTerminal(manifest, client);
  inconsistencies.push(...terminal.inconsistencies);

  const [crm, webhook] = await Promise.all([
    readPeer<CrmPeerStateView>(manifest.crmUrl),
    readPeer<unknown>(manifest.webhookUrl),
  ]);
  const effects = checkAtMostOnce([
    { name: 'CRM', stats: crm.stats },
    { name: 'webhook receiver', stats: webhook.stats },
  ]);
  inconsistencies.push(...effects.inconsistencies);

  let compensationsWithoutForward = 0;
  let targetsChecked = 0;
  for (const change of manifest.changes) {
    const outcome = terminal.outcomes[change.changeId];
    if (outcome !== 'completed' && outcome !== 'rolled-back') continue;
    const verdict = await checkTargets(change, outcome, { db, crm: crm.state, webhookStats: webhook.stats });
    inconsistencies.push(...verdict.inconsistencies);
    compensationsWithoutForward += verdict.compensationsWithoutForward;
    targetsChecked += change.targets.length;
  }

  const points = await checkRecoveryPoints(manifest, terminal.outcomes, db);
  inconsistencies.push(...points.inconsistencies);

  let locksHeld: number | null = null;
  for (const source of input.lockSources ?? []) {
    const locks = await source.list({ db, client, taskQueue: manifest.taskQueue });
    locksHeld = (locksHeld ?? 0) + locks.length;
    for (const lock of locks) {
      inconsistencies.push({
        check: 'lock',
        changeId: lock.changeId,
        detail: `${source.name}: ${lock.target} is still locked by ${changeWorkflowId(lock.changeId)}, which is ${terminal.outcomes[lock.changeId] ?? 'not a campaign change'}`,
      });
    }
  }

  return {
    outcomes: terminal.outcomes,
    inconsistencies,
    notes: {
      keysSeen: effects.keysSeen,
      maxEffectsPerKey: effects.maxEffectsPerKey,
      compensationsWithoutForward,
      recoveryPoints: points.count,
      targetsChecked,
      locksHeld,
    },
  };
}

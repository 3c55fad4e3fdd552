import type { CampaignResult } from './campaign';

/** The campaign's figures as a two-column table, then every inconsistency (there should be none). */
export function renderCampaign(result: CampaignResult): string {
  const f = result.figures;
  const n = result.check.notes;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows: [string, string][] = [
    ['changes', String(f.changes)],
    ['  completed', String(f.completed)],
    ['  rolled back', String(f.rolledBack)],
    ['    of which completed, then rolled back later', String(f.rolledBackLater)],
    ['  not terminal', String(f.notTerminal)],
    [
      'manual rollbacks asked (accepted / refused: finished first)',
      `${f.manualRollbacks.accepted} / ${f.manualRollbacks.refused}`,
    ],
    ['worker kills (SIGKILL)', String(f.workerKills)],
    ['  of which during compensation', String(f.killsDuringCompensation)],
    ['  unplanned worker exits / failed starts', `${f.unexpectedWorkerExits} / ${f.failedWorkerStarts}`],
    ['  worker start-up (median / max)', `${seconds(f.workerStartupMs.median)} / ${seconds(f.workerStartupMs.max)}`],
    ['Temporal server restarts (SIGKILL, same db file and port)', String(f.serverRestarts)],
    [
      'faults injected (5xx / 429 / slow / dropped)',
      `${f.faults.total} (${f.faults.error} / ${f.faults.rateLimit} / ${f.faults.slow} / ${f.faults.drop})`,
    ],
    ['scripted partner 400s / late compensations', `${f.scripted.refusals} / ${f.scripted.slowCompensations}`],
    ['requests to the peers', String(f.peerRequests)],
    [
      'change start → closed (median / p95 / max)',
      `${seconds(f.settleMs.median)} / ${seconds(f.settleMs.p95)} / ${seconds(f.settleMs.max)}`,
    ],
    ['targets checked', String(n.targetsChecked)],
    ['idempotency keys seen (max effects per key)', `${n.keysSeen} (${n.maxEffectsPerKey})`],
    ['recovery points (orphaned: see inconsistencies)', String(n.recoveryPoints)],
    ['compensations of a forward that never took effect', String(n.compensationsWithoutForward)],
    ['target locks held at the end', n.locksHeld === null ? 'n/a (no lock source registered)' : String(n.locksHeld)],
    ['duration', seconds(f.durationMs)],
    ['INCONSISTENCIES', String(f.inconsistencies)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `Crash campaign ${f.runId} (seed ${f.seed})`,
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
  ];
  const notDone = f.notDone;
  if (notDone.kills + notDone.serverRestarts + notDone.compensationKills > 0) {
    lines.push(
      `(the campaign ended before ${notDone.kills} planned kill(s), ${notDone.compensationKills} kill(s) during compensation and ${notDone.serverRestarts} server restart(s))`,
    );
  }
  for (const issue of result.check.inconsistencies) {
    lines.push(`  ✗ [${issue.check}] ${[issue.changeId, issue.stepId].filter(Boolean).join(' / ')}: ${issue.detail}`);
  }
  return lines.join('\n');
}

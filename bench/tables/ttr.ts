import { ttrLabels, type TtrResult, type TtrVariant } from '../benches/ttr';
import { num, renderTable, times } from '../table';

/** The time-to-recover tables: latency with ratios, then what each run cost (the profile). */
export function ttrTables(r: TtrResult): string {
  const order: TtrVariant[] = ['ours', 'saga', 'direct', 'ours-plain'];
  const present = order.filter((v) => r.variants[v]);
  const saga = r.variants.saga!;
  const latency = renderTable(
    [
      'variant',
      'n',
      'failure→restored p50 ms',
      'p95',
      'min–max',
      'p50 vs (a)',
      '→validated p50 ms',
      'start→result p50 ms',
      'p95',
    ],
    present.map((v) => {
      const x = r.variants[v]!;
      return [
        ttrLabels[v],
        String(x.recover.n),
        num(x.recover.p50),
        num(x.recover.p95),
        `${num(x.recover.min)}–${num(x.recover.max)}`,
        times(x.recover.p50 / saga.recover.p50),
        num(x.validated.p50),
        num(x.wall.p50),
        num(x.wall.p95),
      ];
    }),
  );
  const profile = renderTable(
    [
      'variant',
      'activities/change',
      'workflow tasks',
      'history events',
      'bytes/event',
      'worker CPU ms/run',
      'Temporal CPU ms/run',
      'DB CPU ms/run',
    ],
    present.map((v) => {
      const x = r.variants[v]!;
      return [
        ttrLabels[v],
        x.history ? String(x.history.activityCount) : '—',
        x.history ? String(x.history.workflowTasks) : '—',
        x.history ? String(x.history.historyLength) : '—',
        x.history ? num(x.history.bytesPerEvent, 0) : '—',
        num(x.cpuPerRunMs.worker ?? x.cpuPerRunMs.client),
        num(x.cpuPerRunMs.temporal),
        num(x.cpuPerRunMs.database),
      ];
    }),
  );
  const q = r.ratios;
  const lines = [
    `ours / (a), failure→restored: p50 ${times(q.recoverP50VsSaga)}, p95 ${times(q.recoverP95VsSaga)} (goal ≤ 1.30×); with ours' validation pass ${times(q.validatedP50VsSaga)}; start→result p50 ${times(q.wallP50VsSaga)}`,
    `overhead per step (p50, ${r.options.steps} steps): ${num(q.overheadMsPerStepVsSaga)} ms vs (a), ${num(q.overheadMsPerStepVsDirect)} ms vs (b); start→result ${num(q.wallOverheadMsPerStepVsSaga)} ms/step vs (a)`,
    Number.isFinite(q.encryptionRecoverP50)
      ? `encryption on / off (ours): failure→restored p50 ${times(q.encryptionRecoverP50)}, start→result p50 ${times(q.encryptionWallP50)}`
      : '',
    r.truncated ? 'NOTE: the hard cap was reached; fewer rounds than asked were measured.' : '',
  ].filter(Boolean);
  return [
    `Time to recover — ${r.options.steps}-step flow-config change, last step fails, policy rollback; ${r.variants.ours?.recover.n ?? 0} rounds (after ${r.options.warmup} warm-up), variants interleaved`,
    latency,
    '',
    `Profile of one run (last measured run; CPU by /proc, per run averaged over all rounds; (b) CPU is the bench process)`,
    profile,
    ...lines.map((l) => `  ${l}`),
    ``,
    `failure→restored: workflow time of the task that saw the step fail → of the task that saw the last undo finish (ours: the report's recovery.detectedAt → restoredAt, each restore verified; (a): the same two points in its workflow, no verification; (b): performance.now() around the undo loop). →validated: ours' recovery.timeToRecoverMs, which adds the post-rollback validation pass (every restored target re-read).`,
  ].join('\n');
}

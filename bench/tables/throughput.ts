import { tpLabels, type ThroughputResult, type TpVariant } from '../benches/throughput';
import { medianRange, mib, num, renderTable, times } from '../table';

/** The throughput table, with the profile that explains it (CPU per change by process, history). */
export function throughputTables(r: ThroughputResult): string {
  const present = (['ours', 'saga'] as TpVariant[]).filter((v) => r.variants[v]);
  const main = renderTable(
    [
      'variant',
      'reps',
      'changes/s median (min–max)',
      'latency p50 s',
      'p95 s',
      'worker peak RSS MiB',
      'RSS at start MiB',
    ],
    present.map((v) => {
      const x = r.variants[v]!;
      return [
        tpLabels[v],
        String(x.reps.length),
        medianRange(x.changesPerSecond, 1),
        num(x.latencyMs.p50 / 1000, 2),
        num(x.latencyMs.p95 / 1000, 2),
        `${mib(x.peakRssBytes.median)} (${mib(x.peakRssBytes.min)}–${mib(x.peakRssBytes.max)})`,
        mib(x.reps[0]?.worker.atReady.rssBytes),
      ];
    }),
  );
  const profile = renderTable(
    [
      'variant',
      'worker CPU ms/change',
      'Temporal CPU ms/change',
      'DB CPU ms/change',
      'client CPU ms/change',
      'activities (ok / rolled back)',
      'events (ok / rolled back)',
      'bytes/event',
    ],
    present.map((v) => {
      const x = r.variants[v]!;
      const h = x.history;
      return [
        tpLabels[v],
        num(x.cpuMsPerChange.worker),
        num(x.cpuMsPerChange.temporal),
        num(x.cpuMsPerChange.database),
        num(x.cpuMsPerChange.client),
        `${h.completed?.activityCount ?? '—'} / ${h.rolledBack?.activityCount ?? '—'}`,
        `${h.completed?.historyLength ?? '—'} / ${h.rolledBack?.historyLength ?? '—'}`,
        num(h.rolledBack?.bytesPerEvent, 0),
      ];
    }),
  );
  return [
    `Throughput — ${r.options.changes} concurrent changes of ${r.options.steps} flow-config steps, half fail at the last step and roll back; one fresh worker per repetition (${r.options.warmup} warm-up changes first)`,
    main,
    '',
    'Profile (CPU over the measured window by /proc, per terminal change)',
    profile,
    `  ours / (a): changes/s ${times(r.ratios.changesPerSecond)} (goal ≥ 0.80×); worker peak RSS ${times(r.ratios.peakRss)}`,
    r.truncated ? '  NOTE: the hard cap was reached; fewer repetitions than asked were measured.' : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

import type { DataResult } from '../benches/data';
import { medianRange, mib, num, renderTable, times } from '../table';

/** The data-rollback table: leads/s against the raw bulkWrite floor, memory and history per size. */
export function dataTables(r: DataResult): string {
  const speed = renderTable(
    [
      'leads',
      'runs',
      'apply leads/s',
      'raw apply',
      'restore leads/s',
      'raw restore',
      'restore vs raw',
      'step apply*',
      'step compensate*',
    ],
    r.sizes.map((s) => [
      String(s.size),
      String(s.reps.length),
      medianRange(s.apply, 0),
      num(s.rawApply.median, 0),
      medianRange(s.restore, 0),
      num(s.rawRestore.median, 0),
      times(r.ratios.restoreVsRaw[s.size] ?? Number.NaN),
      num(s.stepApply.median, 0),
      num(s.stepCompensate.median, 0),
    ]),
  );
  const scale = renderTable(
    [
      'leads',
      'worker peak RSS MiB',
      'RSS at start MiB',
      'heap after GC MiB',
      'history events',
      'history bytes',
      'all restored',
    ],
    r.sizes.map((s) => [
      String(s.size),
      `${mib(s.peakRssBytes.median)} (${mib(s.peakRssBytes.min)}–${mib(s.peakRssBytes.max)})`,
      mib(s.reps[0]?.rssAtStartBytes),
      mib(s.reps[s.reps.length - 1]?.heapAfterGcBytes),
      num(s.historyLength.median, 0),
      num(s.historySizeBytes.median, 0),
      s.reps.every((x) => x.restoredAll) ? 'yes' : 'NO',
    ]),
  );
  const [first, last] = [r.sizes[0], r.sizes[r.sizes.length - 1]];
  return [
    `Data rollback scale — one lead-data step (set 2 fields, unset 1) over N leads, then a failing step; policy rollback; fresh worker and database per run`,
    speed,
    '',
    scale,
    `  restore vs raw bulkWrite (goal ≥ 0.70×): ${r.sizes.map((s) => `${s.size}: ${times(r.ratios.restoreVsRaw[s.size] ?? Number.NaN)}`).join(', ')}`,
    first && last && first !== last
      ? `  ${last.size} vs ${first.size} leads: worker peak RSS ${times(r.ratios.peakRss)} (goal ≤ 1.20×); history size ${times(r.ratios.historySize)} (goal: independent of the batch)`
      : '',
    '  apply / restore: the applyStep / restoreStep activity (scheduled → completed, server time); raw: bulkWrite of the same updateOne-by-_id, unordered (99 per call on FerretDB, which deadlocks at 100; 1000 on MongoDB), ids and old values known.',
    "  * step apply = snapshot + apply + verify, step compensate = restore + verify restore (the report's step timings), leads/s.",
    r.truncated ? '  NOTE: the hard cap was reached; fewer runs than asked were measured.' : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

import type { DurationFigures, InsightFigures, Insights } from '../domain/insights';

/** `850 ms`, `12.4 s`, `3.5 min`, `2.1 h`: a duration as short as it stays readable. */
export function shortDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const rate = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);
const p50p95 = (d: DurationFigures) => (d.count === 0 ? '-' : `${shortDuration(d.p50Ms)} / ${shortDuration(d.p95Ms)}`);

const columns = [
  'period',
  'settled',
  'failed',
  'rate',
  'rejected',
  'rollbacks',
  'ttr p50 / p95',
  'waits',
  'wait p50 / p95',
  'escalations',
];

function row(label: string, f: InsightFigures): string[] {
  return [
    label,
    String(f.changes.settled),
    String(f.changes.failed),
    rate(f.changes.failureRate),
    String(f.changes.rejected),
    String(f.rollbacks.total),
    p50p95(f.timeToRecover),
    String(f.decisionWait.count),
    p50p95(f.decisionWait),
    String(f.escalations),
  ];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

const counts = (record: Record<string, number | undefined>) =>
  Object.entries(record)
    .sort(([a, x], [b, y]) => (y ?? 0) - (x ?? 0) || a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

/** The insights for people: one row per period and the totals, then what the rollbacks were about. */
export function renderInsightsText(insights: Insights): string {
  const { totals } = insights;
  const kind = insights.targetKind ? `, target kind ${insights.targetKind}` : '';
  const lines = [
    `Insights ${insights.from} → ${insights.to} by ${insights.period}${kind}`,
    '',
    ...table([columns, ...insights.periods.map((p) => row(p.period, p)), row('total', totals)]),
    '',
    `Changes: ${totals.changes.completed} completed, ${totals.changes.rolledBack} rolled back, ${totals.changes.rolledBackLater} rolled back later, ${totals.changes.rejected} rejected; change failure rate ${rate(totals.changes.failureRate)}`,
    `Time to recover: ${totals.timeToRecover.count} recoveries, mean ${shortDuration(totals.timeToRecover.meanMs)}, p50 ${shortDuration(totals.timeToRecover.p50Ms)}, p95 ${shortDuration(totals.timeToRecover.p95Ms)}`,
    `Waiting on people: ${totals.decisionWait.count} answered questions, ${shortDuration(totals.decisionWait.totalMs)} in all, mean ${shortDuration(totals.decisionWait.meanMs)}, p50 ${shortDuration(totals.decisionWait.p50Ms)}, p95 ${shortDuration(totals.decisionWait.p95Ms)}; ${totals.escalations} escalations`,
    `Rollbacks: ${totals.rollbacks.total} (${totals.rollbacks.laterRuns} run later)`,
    `  by cause: ${counts(totals.rollbacks.byCause)}`,
    `  by category: ${counts(totals.rollbacks.byCategory)}`,
    `  by trigger: ${totals.rollbacks.byTrigger.map((t) => `${t.name} (${t.source}) ${t.count}`).join(', ') || 'none'}`,
    `  by target kind: ${counts(totals.rollbacks.byTargetKind)}`,
    'Most frequent failing steps:',
    ...(insights.failingSteps.length === 0
      ? ['  none']
      : insights.failingSteps.map((s) => `  ${s.stepId} (${s.target}) ${s.count}`)),
    'Root causes, most recent:',
    ...(insights.rootCauses.mostRecent.length === 0
      ? ['  none']
      : insights.rootCauses.mostRecent.map((n) => `  ${n.at} ${n.changeId} (${n.author}): ${oneLine(n.note)}`)),
  ];
  if (insights.rootCauses.mostFrequent.length > 0)
    lines.push(
      'Root causes, most frequent:',
      ...insights.rootCauses.mostFrequent.map((n) => `  ${n.count}× ${oneLine(n.note)}`),
    );
  return lines.join('\n');
}

/** A note on one line, without control characters, cut at 120 characters: the table is for a terminal. */
function oneLine(note: string): string {
  const flat = note.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

import type { ChangeReport } from '../workflows/types';

/** The report as terminal text: outcome line, timeline with offsets, and each step's end state. */
export function renderReportText(report: ChangeReport): string {
  const start = Date.parse(report.startedAt);
  const total = ((Date.parse(report.finishedAt) - start) / 1000).toFixed(2);
  const lines = [`Change ${report.changeId} "${report.title}" → ${report.phase} in ${total}s`];
  if (report.cause) lines.push(`  cause: step ${report.cause.stepId} failed: ${report.cause.type ?? 'Error'}: ${report.cause.message}`);
  if (report.recovery) {
    const { detectedAt, rollbackStartedAt, restoredAt, validatedAt, timeToRecoverMs } = report.recovery;
    const after = (t: string) => `+${Date.parse(t) - Date.parse(detectedAt)} ms`;
    const validated = validatedAt ? `, validated ${after(validatedAt)}` : '';
    lines.push(`  time to recover: ${timeToRecoverMs} ms (detected → rollback started ${after(rollbackStartedAt)}, all restored ${after(restoredAt)}${validated})`);
  }
  lines.push('', 'Timeline');
  for (const event of report.timeline) {
    const offset = `+${((Date.parse(event.at) - start) / 1000).toFixed(3)}s`.padStart(9);
    const who = event.actor ? ` by ${event.actor}` : '';
    const step = event.stepId ? ` [${event.stepId}]` : '';
    const detail = event.detail ? ` — ${event.detail}` : '';
    lines.push(`  ${offset}  ${event.event}${step}${who}${detail}`);
  }
  lines.push('', 'Steps');
  for (const step of report.steps) {
    const point = step.recoveryPoint ? ` recovery point ${step.recoveryPoint.id}` : '';
    lines.push(`  ${step.id.padEnd(16)} ${step.target.padEnd(12)} ${step.state.padEnd(20)}${point}`);
  }
  return lines.join('\n');
}

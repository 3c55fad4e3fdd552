import type { RehearsalReport } from '../domain/rehearsal';

const mark = { exact: 'exact', differs: 'DIFFERS', 'not-rehearsed': 'not rehearsed' } as const;

/** A rehearsal report for the terminal: the verdict, then one line per step with why. */
export function renderRehearsalText(report: RehearsalReport): string {
  const seconds = ((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000).toFixed(2);
  const rehearsed = report.steps.filter((s) => s.outcome !== 'not-rehearsed').length;
  const verdict = report.exact
    ? 'the rollback restores exactly'
    : rehearsed === 0
      ? 'no step could be rehearsed'
      : 'the rollback does NOT restore exactly';
  const lines = [
    `Rehearsal ${report.rehearsalId} of "${report.title}"${report.changeId ? ` (change ${report.changeId})` : ''}: ${verdict} (${rehearsed}/${report.steps.length} step(s) rehearsed, ${seconds}s)`,
    `  production: ${report.productionUntouched ? 'untouched (read before and after, equal)' : 'CHANGED during the rehearsal (someone else wrote it; see the steps)'}`,
  ];
  if (report.applyFailed)
    lines.push(
      `  apply failed in the sandbox at step ${report.applyFailed.stepId}: ${report.applyFailed.error.type ?? 'Error'}: ${report.applyFailed.error.message}`,
    );
  lines.push('', 'Steps');
  for (const step of report.steps) {
    lines.push(
      `  ${step.stepId.padEnd(16)} ${step.target.padEnd(12)} ${mark[step.outcome].padEnd(14)} production ${step.production.padEnd(10)} ${step.detail}`,
    );
  }
  return lines.join('\n');
}

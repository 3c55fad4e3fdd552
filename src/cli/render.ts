import type { ChangePage } from '../client/change-page';
import type { ChangeSummary } from '../client/change-summary';
import { floorLines } from '../report/text';
import type { ChangeStatus } from '../domain/status';
import type { ChangeAdmission } from '../domain/admission';

/** `1h 02m`, `14m 03s`, `9s`: how far away a deadline is. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function countdown(deadline: string | undefined, now: number): string {
  if (!deadline) return 'no deadline (held)';
  const left = Date.parse(deadline) - now;
  return left >= 0 ? `${formatDuration(left)} left (until ${deadline})` : `overdue by ${formatDuration(-left)}`;
}

/**
 * The live view: phase, the policy floor that applies, steps, each open question with who may decide and the deadline countdown,
 * and the latest timeline events. `now` is passed in so a redraw only changes the countdown.
 */
export function renderStatus(
  status: ChangeStatus,
  summary: Pick<ChangeSummary, 'requestedBy' | 'executionStatus'>,
  now: number,
  uiUrl: string,
  timelineTail = 8,
): string {
  const lines = [
    `Change ${status.changeId} "${status.title}" — ${status.phase}${summary.executionStatus !== 'RUNNING' ? ` (${summary.executionStatus.toLowerCase()})` : ''}`,
  ];
  if (summary.requestedBy) lines.push(`  requested by ${summary.requestedBy}`);
  if (status.floor) lines.push(...floorLines(status.floor));
  lines.push('', 'Steps');
  for (const step of status.steps) {
    const error = step.error ? `  ${step.error.type ?? 'Error'}: ${step.error.message}` : '';
    lines.push(`  ${step.id.padEnd(20)} ${step.target.padEnd(12)} ${step.state.padEnd(20)}${error}`);
  }
  for (const question of status.pendingDecisions) {
    const deciders = question.mayDecide.flatMap((l) => [...l.actors, ...l.groups.map((g) => `group:${g}`)]);
    lines.push(
      '',
      `Decision needed (${question.kind}, level ${question.level}, question ${question.id})`,
      `  ${question.prompt}`,
      `  answers: ${question.options.join(' | ')}`,
      `  who may decide: ${[...new Set(deciders)].join(', ')}`,
      `  deadline: ${countdown(question.deadline, now)}`,
    );
  }
  lines.push('', 'Latest events');
  for (const event of status.timeline.slice(-timelineTail)) {
    lines.push(
      `  ${event.at}  ${event.event}${event.stepId ? ` [${event.stepId}]` : ''}${event.actor ? ` by ${event.actor}` : ''}${event.detail ? ` — ${event.detail}` : ''}`,
    );
  }
  lines.push('', `Temporal UI: ${uiUrl}`);
  return lines.join('\n');
}

export function renderList(page: ChangePage): string {
  if (page.changes.length === 0) return 'No changes.';
  const rows = page.changes.map((c) => [
    c.changeId,
    c.phase ?? '?',
    c.executionStatus.toLowerCase(),
    c.requestedBy ?? '',
    c.startedAt,
    c.title ?? '',
  ]);
  const header = ['CHANGE', 'PHASE', 'EXECUTION', 'REQUESTED BY', 'STARTED', 'TITLE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  if (page.nextPageToken) out.push('', `More: --page-token ${page.nextPageToken}`);
  return out.join('\n');
}

/** What the change does first, after the start line: its phase, and the question it asks or why it stands there. */
export function admissionText(admission: ChangeAdmission | undefined): string {
  if (!admission) return ' (no worker answered yet: `status` shows where it stands)';
  const question = admission.pendingDecisions[0];
  if (question)
    return `: ${admission.phase} — ${question.prompt} (level ${question.level}${question.deadline ? `, until ${question.deadline}` : ''})`;
  return `: ${admission.phase}${admission.detail ? ` — ${admission.detail}` : ''}`;
}

import type { ReportAnnotations } from '../domain/root-cause';
import type { ChangeReport, RestoreOutcome, StepStatus } from '../domain/status';
import { recoveryEnd, showValue, triggerOf, validationOf } from './extras';
import { ganttChart } from './gantt';
import { code, duration, inline, quote, table } from './markdown-text';

type Report = ChangeReport & ReportAnnotations;

/**
 * The report as Markdown, for tickets, wikis and pull requests: outcome and cause, the recovery
 * times, a Mermaid Gantt chart of the apply and compensation timings, each step with its recovery
 * point and restore (conflicts three-way), the trigger and validation when present, decisions,
 * the operator's policy floor that applied, the rollback request, the root-cause note and the timeline. Every value from the change is
 * escaped, so a title or a note cannot break the document.
 */
export function renderReportMarkdown(report: Report): string {
  const sections = [
    header(report),
    recovery(report),
    trigger(report),
    validation(report),
    timings(report),
    steps(report),
    floor(report),
    decisions(report),
    rollbackRequest(report),
    rootCause(report),
    timeline(report),
  ];
  return `${sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}

const at = (iso: string) => code(iso);

function header(report: Report): string[] {
  const total = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  const lines = [
    `# Change ${code(report.changeId)}: ${inline(report.title)}`,
    '',
    `**Outcome:** ${report.phase}${report.cancelled ? ' (workflow cancelled)' : ''} · requested by ${inline(report.requestedBy)} · ${at(report.startedAt)} → ${at(report.finishedAt)} (${duration(total)})`,
  ];
  if (report.cause) {
    const where = report.cause.stepId ? `step ${code(report.cause.stepId)}: ` : '';
    lines.push('', `**Cause:** ${where}${inline(report.cause.type ?? 'Error')}: ${inline(report.cause.message)}`);
  }
  return lines;
}

function recovery(report: Report): string[] {
  if (!report.recovery) return [];
  const { detectedAt, rollbackStartedAt, restoredAt, lastRestoreAt, resolvedManuallyAt, validatedAt } = report.recovery;
  const after = (time: string) => `+${duration(Date.parse(time) - Date.parse(detectedAt))}`;
  const rows = [
    ['detected', at(detectedAt), '0 ms'],
    ['rollback started', at(rollbackStartedAt), after(rollbackStartedAt)],
    // Apart when a person resolved a compensation by hand: the restore ended, then the answer came.
    ...(resolvedManuallyAt && lastRestoreAt
      ? [
          ['last restore finished', at(lastRestoreAt), after(lastRestoreAt)],
          ['last resolved by hand', at(resolvedManuallyAt), after(resolvedManuallyAt)],
        ]
      : []),
    ['all restored', at(restoredAt), after(restoredAt)],
    ...(validatedAt ? [['validated', at(validatedAt), after(validatedAt)]] : []),
  ];
  const waited = report.recovery.waitedOnPeopleMs
    ? `, of which ${duration(report.recovery.waitedOnPeopleMs)} waiting on people`
    : '';
  return [
    '## Recovery',
    '',
    `**Time to recover: ${duration(report.recovery.timeToRecoverMs)}** (detection → ${recoveryEnd(report.recovery)}${waited})`,
    '',
    ...table(['milestone', 'at', 'after detection'], rows),
  ];
}

function trigger(report: Report): string[] {
  const fired = triggerOf(report);
  if (!fired) return [];
  const rows: string[][] = [];
  const add = (name: string, value: unknown) => value !== undefined && rows.push([name, inline(showValue(value))]);
  add('trigger', fired.name);
  add('metric', fired.metric);
  add('value', fired.value);
  add('baseline', fired.baseline);
  add('samples', fired.samples);
  add('fired at', fired.firedAt);
  for (const [name, value] of Object.entries(fired.more)) add(name, value);
  return ['## Trigger that fired', '', ...table(['field', 'value'], rows)];
}

function validation(report: Report): string[] {
  const checked = validationOf(report);
  if (!checked) return [];
  const lines = ['## Validation after the rollback', ''];
  if (checked.targets.length > 0) {
    lines.push(
      ...table(
        ['step', 'matches its recovery point', 'detail'],
        checked.targets.map((t) => [code(t.stepId), t.ok ? 'yes' : '**no**', inline(t.detail ?? '')]),
      ),
    );
  }
  if (checked.metrics) {
    if (checked.targets.length > 0) lines.push('');
    lines.push(
      ...table(
        ['metric check', 'value'],
        Object.entries(checked.metrics).map(([name, value]) => [inline(name), inline(showValue(value))]),
      ),
    );
  }
  return lines;
}

function timings(report: Report): string[] {
  const chart = ganttChart(report);
  if (!chart) return [];
  return ['## Timings', '', '```mermaid', chart, '```'];
}

function restoreText(restore: RestoreOutcome | undefined): string {
  if (!restore) return '';
  const count =
    'restoredCount' in restore && restore.restoredCount !== undefined ? ` (${restore.restoredCount} item(s))` : '';
  return `${restore.status}${count}: ${inline(restore.summary)}`;
}

function stepRow(step: StepStatus): string[] {
  const point = step.recoveryPoint ? `${code(step.recoveryPoint.id)}<br>${inline(step.recoveryPoint.summary)}` : '';
  const applied = step.applied
    ? inline(step.applied.summary)
    : step.error
      ? `**${inline(step.error.type ?? 'Error')}**: ${inline(step.error.message)}`
      : '';
  const manual = step.resolvedManually
    ? `resolved by hand by ${inline(step.resolvedManually.actor)}${step.resolvedManually.comment ? `: ${inline(step.resolvedManually.comment)}` : ''}`
    : '';
  return [
    code(step.id),
    step.target,
    step.state,
    point,
    applied,
    [restoreText(step.restore), manual].filter(Boolean).join('<br>'),
  ];
}

function steps(report: Report): string[] {
  const lines = [
    '## Steps',
    '',
    ...table(['step', 'target', 'state', 'recovery point', 'applied', 'restore'], report.steps.map(stepRow)),
  ];
  for (const step of report.steps) {
    const conflicts = step.restore && 'conflicts' in step.restore ? step.restore.conflicts : undefined;
    if (!conflicts) continue;
    const more =
      conflicts.count > conflicts.sample.length
        ? ` (sample of ${conflicts.sample.length}${conflicts.ref ? `; all in ${code(conflicts.ref)}` : ''})`
        : '';
    lines.push(
      '',
      `### Conflicts in ${code(step.id)}: ${conflicts.count} item(s) changed by someone else, left as they are${more}`,
      '',
      ...table(
        ['item', 'before the change', 'written by the change', 'now'],
        conflicts.sample.map((c) => [
          inline(c.item),
          code(showValue(c.before)),
          code(showValue(c.written)),
          code(showValue(c.now)),
        ]),
      ),
    );
  }
  return lines;
}

function floor(report: Report): string[] {
  if (!report.floor) return [];
  const { name, source, rules } = report.floor;
  const lines = ['## Policy floor', '', `${inline(name)} (from ${inline(source)})`];
  lines.push(
    '',
    ...(rules.length > 0 ? rules.map((rule) => `- ${inline(rule)}`) : ['No rule of the floor applied to this change.']),
  );
  return lines;
}

function decisions(report: Report): string[] {
  if (report.decisions.length === 0) return [];
  const rows = report.decisions.map((d) => [
    at(d.at),
    d.kind,
    d.stepId ? code(d.stepId) : '',
    `**${d.decision}**`,
    inline(d.actor),
    String(d.level),
    inline(d.comment ?? ''),
  ]);
  return ['## Decisions', '', ...table(['at', 'question', 'step', 'decision', 'by', 'level', 'comment'], rows)];
}

function rollbackRequest(report: Report): string[] {
  const request = report.rollbackRequest;
  if (!request) return [];
  return [
    '## Rollback request',
    '',
    `Requested by ${inline(request.actor)} at ${at(request.at)}, category **${request.category}**: ${inline(request.reason)}`,
  ];
}

function rootCause(report: Report): string[] {
  if (!report.rootCause) return [];
  const { note, author, at: when } = report.rootCause;
  const lines = ['## Root cause', '', quote(note), '', `— ${inline(author)}, ${at(when)}`];
  const earlier = (report.rootCauseHistory ?? []).slice(0, -1);
  if (earlier.length > 0) {
    lines.push('', 'Earlier notes:', '', ...earlier.map((n) => `- ${at(n.at)} ${inline(n.author)}: ${inline(n.note)}`));
  }
  return lines;
}

function timeline(report: Report): string[] {
  const start = Date.parse(report.startedAt);
  const rows = report.timeline.map((e) => [
    at(e.at),
    `+${duration(Date.parse(e.at) - start)}`,
    inline(e.event),
    e.stepId ? code(e.stepId) : '',
    inline(e.actor ?? ''),
    inline(e.detail ?? ''),
  ]);
  return ['## Timeline', '', ...table(['at', 'since start', 'event', 'step', 'actor', 'detail'], rows)];
}

import type { ChangeReport, StepStatus } from '../domain/status';

/**
 * Words the Mermaid gantt lexer (case-insensitive) reads as statements when they start a line; a
 * task named like one would turn into a title, a section or a setting.
 */
const keywords = new Set([
  'gantt',
  'title',
  'section',
  'dateformat',
  'axisformat',
  'tickinterval',
  'includes',
  'excludes',
  'todaymarker',
  'weekday',
  'weekend',
  'inclusiveenddates',
  'topaxis',
  'displaymode',
  'acctitle',
  'accdescr',
  'click',
]);

/**
 * Text for a Mermaid line: one line (CR/LF become spaces), and the characters Mermaid's gantt
 * grammar gives meaning to (`:` ends a task name, `#` and `;` end task data, `%%` starts a comment)
 * written as Mermaid entity codes (`#58;`), which Mermaid turns back into the characters.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[#:;%]/g, (c) => `#${c.charCodeAt(0)};`)
    .trim();
}

function taskName(stepId: string): string {
  const name = mermaidText(stepId) || 'step';
  const first = name.split(/\s/, 1)[0]!.toLowerCase();
  return keywords.has(first) ? `step ${name}` : name;
}

interface Bar {
  name: string;
  tag: 'done' | 'crit' | 'active';
  start: number;
  end: number;
}

const compensationTrouble = new Set<StepStatus['state']>(['conflict', 'compensation-failed']);

/** The apply bar of a step: from apply start to applied, or to the failure when it failed. */
function applyBar(report: ChangeReport, step: StepStatus): Bar | undefined {
  const start = step.timings?.applyStartedAt;
  if (!start) return undefined;
  const failedAt = report.timeline.filter((e) => e.stepId === step.id && e.event === 'step failed').at(-1)?.at;
  const end = step.timings?.appliedAt ?? failedAt ?? report.finishedAt;
  const tag = step.timings?.appliedAt ? 'done' : failedAt ? 'crit' : 'active';
  return { name: taskName(step.id), tag, start: Date.parse(start), end: Date.parse(end) };
}

function compensateBar(report: ChangeReport, step: StepStatus): Bar | undefined {
  const start = step.timings?.compensationStartedAt;
  if (!start) return undefined;
  const end = step.timings?.compensatedAt ?? report.finishedAt;
  const tag = compensationTrouble.has(step.state) ? 'crit' : step.timings?.compensatedAt ? 'done' : 'active';
  return { name: taskName(step.id), tag, start: Date.parse(start), end: Date.parse(end) };
}

/**
 * A Mermaid gantt chart of each step's apply and compensation, in epoch milliseconds
 * (`dateFormat x`): section `apply` and section `compensate`, one task per timed step; failed
 * applies and troubled compensations are marked `crit`. Undefined when no step has timings.
 */
export function ganttChart(report: ChangeReport): string | undefined {
  const sections: [string, Bar[]][] = [
    ['apply', report.steps.map((s) => applyBar(report, s)).filter((b): b is Bar => b !== undefined)],
    ['compensate', report.steps.map((s) => compensateBar(report, s)).filter((b): b is Bar => b !== undefined)],
  ];
  if (sections.every(([, bars]) => bars.length === 0)) return undefined;
  const lines = [
    'gantt',
    `    title ${mermaidText(report.title) || 'Change'}`,
    '    dateFormat x',
    '    axisFormat %H:%M:%S',
  ];
  for (const [name, bars] of sections) {
    if (bars.length === 0) continue;
    lines.push(`    section ${name}`);
    bars.forEach((bar, index) =>
      lines.push(`    ${bar.name} :${bar.tag}, ${name[0]}${index + 1}, ${bar.start}, ${Math.max(bar.end, bar.start)}`),
    );
  }
  return lines.join('\n');
}

import type { ReportAnnotations } from '../domain/root-cause';
import type { ChangeReport, FloorRecord } from '../domain/status';
import { recoveryEnd, showValue, triggerOf, validationOf } from './extras';

/**
 * The report as terminal text: outcome line, cause, recovery times, the trigger and validation
 * when present, the policy floor that applied, the rollback request, the root-cause note, the timeline with offsets, and each
 * step's end state.
 */
export function renderReportText(report: ChangeReport & ReportAnnotations): string {
  const start = Date.parse(report.startedAt);
  const total = ((Date.parse(report.finishedAt) - start) / 1000).toFixed(2);
  const lines = [`Change ${report.changeId} "${report.title}" → ${report.phase} in ${total}s`];
  if (report.cause) {
    const where = report.cause.stepId ? `step ${report.cause.stepId} failed: ` : '';
    lines.push(`  cause: ${where}${report.cause.type ?? 'Error'}: ${report.cause.message}`);
  }
  if (report.recovery) {
    const { detectedAt, rollbackStartedAt, restoredAt, lastRestoreAt, resolvedManuallyAt, validatedAt } =
      report.recovery;
    const after = (t: string) => `+${Date.parse(t) - Date.parse(detectedAt)} ms`;
    const byHand =
      resolvedManuallyAt && lastRestoreAt
        ? `, last restore finished ${after(lastRestoreAt)}, last resolved by hand ${after(resolvedManuallyAt)}`
        : '';
    const validated = validatedAt ? `, validated ${after(validatedAt)}` : '';
    const waited = report.recovery.waitedOnPeopleMs
      ? `; ${report.recovery.waitedOnPeopleMs} ms of it waiting on people`
      : '';
    lines.push(
      `  time to recover: ${report.recovery.timeToRecoverMs} ms to ${recoveryEnd(report.recovery)} (detected → rollback started ${after(rollbackStartedAt)}${byHand}, all restored ${after(restoredAt)}${validated})${waited}`,
    );
  }
  const trigger = triggerOf(report);
  if (trigger) {
    const baseline = trigger.baseline !== undefined ? ` against baseline ${showValue(trigger.baseline)}` : '';
    const samples = trigger.samples !== undefined ? ` over ${trigger.samples} samples` : '';
    lines.push(
      `  trigger: ${trigger.name ?? '?'} fired at ${trigger.firedAt ?? '?'}: ${trigger.metric ?? 'metric'} = ${showValue(trigger.value)}${baseline}${samples}`,
    );
  }
  const validation = validationOf(report);
  if (validation) {
    const failed = validation.targets.filter((t) => !t.ok);
    lines.push(
      `  validation: ${validation.targets.length - failed.length}/${validation.targets.length} target(s) match their recovery points${failed.length ? `; mismatch: ${failed.map((t) => t.stepId).join(', ')}` : ''}`,
    );
  }
  if (report.floor) lines.push(...floorLines(report.floor));
  if (report.rollbackRequest) {
    const { actor, category, reason, at } = report.rollbackRequest;
    lines.push(`  rollback requested by ${actor} at ${at} (${category}): ${reason}`);
  }
  if (report.rootCause) {
    const { note, author, at } = report.rootCause;
    const earlier = (report.rootCauseHistory?.length ?? 1) - 1;
    lines.push(
      `  root cause (${author}, ${at}${earlier > 0 ? `; ${earlier} earlier note(s)` : ''}): ${note.replace(/\s*\n\s*/g, ' / ')}`,
    );
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
    const restore = step.restore ? ` — ${step.restore.status}: ${step.restore.summary}` : '';
    lines.push(`  ${step.id.padEnd(16)} ${step.target.padEnd(12)} ${step.state.padEnd(20)}${point}${restore}`);
  }
  return lines.join('\n');
}

/** The floor as indented lines: its name and source, then each rule that applied. */
export function floorLines(floor: FloorRecord, indent = '  '): string[] {
  return [`${indent}floor: ${floor.name} (${floor.source})`, ...floor.rules.map((rule) => `${indent}  - ${rule}`)];
}

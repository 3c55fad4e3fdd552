import type { RollbackPreview } from '../domain/status';

/** At most this many operations per step in the terminal; `--json` has them all. */
const SHOWN_OPERATIONS = 10;

const compact = (value: unknown) => (value === undefined ? '—' : JSON.stringify(value));

/** A rollback preview for the terminal: per step (newest first) what a rollback would do, and its conflicts. */
export function renderPreviewText(preview: RollbackPreview): string {
  const conflicted = preview.steps.filter((s) => (s.counts?.conflicts ?? s.conflicts?.length ?? 0) > 0).length;
  const lines = [
    `Rollback preview of change ${preview.changeId} (nothing was changed): ${preview.steps.length} step(s), ${conflicted} with conflicts`,
  ];
  for (const step of preview.steps) {
    lines.push('', `  ${step.stepId} (${step.target}): ${step.summary}`);
    if (step.counts)
      lines.push(
        `    ${Object.entries(step.counts)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ')}`,
      );
    for (const operation of step.operations.slice(0, SHOWN_OPERATIONS) as Record<string, unknown>[]) {
      const value = 'value' in operation ? ` → ${compact(operation.value)}` : '';
      lines.push(`    ${String(operation.op)} ${String(operation.path)}${value}`);
    }
    if (step.operations.length > SHOWN_OPERATIONS)
      lines.push(`    … ${step.operations.length - SHOWN_OPERATIONS} more operation(s) (--json shows them all)`);
    for (const conflict of step.conflicts ?? []) {
      lines.push(
        `    conflict ${conflict.item}: before ${compact(conflict.before)}, written ${compact(conflict.written)}, now ${compact(conflict.now)}`,
      );
    }
  }
  return lines.join('\n');
}

import { ownValue, setOwn } from './safe-keys';

/**
 * Lead data is personal data. Two rules keep it where it belongs:
 * - fields the operator lists (REDACTED_LEAD_FIELDS, e.g. `contact.email,phone`) are replaced by
 *   the worker before anything is stored or returned — conflict samples, `lead_conflicts`,
 *   previews — so their values are never kept in plain text outside the leads themselves;
 * - every other value a report or status shows of a target (conflict samples, preview values) is
 *   shown to approvers and admins only: `withoutTargetValues` is the one redaction every read path
 *   that leaves the API or chat ops applies for other readers.
 */
export const REDACTED = '[redacted]';

/** A copy of `value` with each dotted field in `fields` that it holds replaced by REDACTED (arrays of embedded documents included). */
export function redactFields(value: unknown, fields: readonly string[]): unknown {
  return fields.reduce((current, field) => redactPath(current, field.split('.')), value);
}

function redactPath(node: unknown, segments: string[]): unknown {
  if (segments.length === 0) return REDACTED;
  if (Array.isArray(node)) return node.map((item) => redactPath(item, segments));
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segments[0]!)) return node;
  const copy = { ...node };
  setOwn(copy, segments[0]!, redactPath(ownValue(node, segments[0]!), segments.slice(1)));
  return copy;
}

/** The value found at dotted `path` of a lead, redacted: whole when `path` is or lies inside a listed field, else the listed fields inside it. */
export function redactValueAt(path: string, value: unknown, fields: readonly string[]): unknown {
  if (fields.some((field) => path === field || path.startsWith(`${field}.`))) return REDACTED;
  const inner = fields.filter((field) => field.startsWith(`${path}.`)).map((field) => field.slice(path.length + 1));
  return inner.length > 0 ? redactFields(value, inner) : value;
}

/** One three-way conflict item as reports and previews show it. */
interface SampleItem {
  item: string;
  before: unknown;
  written: unknown;
  now: unknown;
}

const hiddenSample = (sample: SampleItem): SampleItem => ({
  item: sample.item,
  before: REDACTED,
  written: REDACTED,
  now: REDACTED,
});

const isSampleList = (value: unknown): value is SampleItem[] => Array.isArray(value);

/** One step of a status, report, rehearsal report or preview, with its target values hidden. */
function stepWithoutValues<S extends object>(step: S): S {
  const out = { ...step } as Record<string, unknown>;
  const restore = ownValue(step, 'restore');
  const conflicts = restore !== null && typeof restore === 'object' ? ownValue(restore, 'conflicts') : undefined;
  const sample = conflicts !== null && typeof conflicts === 'object' ? ownValue(conflicts, 'sample') : undefined;
  if (isSampleList(sample))
    out.restore = { ...(restore as object), conflicts: { ...(conflicts as object), sample: sample.map(hiddenSample) } };
  const previewConflicts = ownValue(step, 'conflicts');
  if (isSampleList(previewConflicts)) out.conflicts = previewConflicts.map(hiddenSample);
  const operations = ownValue(step, 'operations');
  if (Array.isArray(operations)) {
    out.operations = operations.map((operation: unknown) =>
      operation !== null && typeof operation === 'object' && Object.hasOwn(operation, 'value')
        ? { ...operation, value: REDACTED }
        : operation,
    );
  }
  return out as S;
}

/**
 * A status, report, rehearsal report or rollback preview with the values of its targets hidden —
 * conflict samples keep the item they name, preview operations their path — for readers who may
 * not see lead data (requester-only tokens and Slack users). Pure; the input is not changed.
 */
export function withoutTargetValues<V extends { steps: readonly object[] }>(view: V): V {
  return { ...view, steps: view.steps.map(stepWithoutValues) };
}

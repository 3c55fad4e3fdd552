/**
 * Report sections written by the observation window and post-rollback validation. They are read
 * defensively — whatever is present and well-typed is shown, anything else skipped — so the
 * renderers work on reports stored before those sections existed and on partial ones.
 */
export interface TriggerView {
  name?: string;
  metric?: string;
  /** Numbers as recorded; anything else is shown as text. */
  value?: unknown;
  baseline?: unknown;
  samples?: number;
  firedAt?: string;
  /** Anything else the trigger recorded (comparison, threshold, window), shown as key: value. */
  more: Record<string, unknown>;
}

export interface ValidationView {
  targets: { stepId: string; ok: boolean; detail?: string }[];
  metrics?: Record<string, unknown>;
}

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const numeric = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export function triggerOf(report: object): TriggerView | undefined {
  const trigger = (report as Loose).trigger;
  if (!isObject(trigger)) return undefined;
  const { name, metric, value, baseline, samples, firedAt, ...more } = trigger;
  return {
    name: text(name),
    metric: text(metric),
    value,
    baseline,
    samples: numeric(samples),
    firedAt: text(firedAt),
    more,
  };
}

export function validationOf(report: object): ValidationView | undefined {
  const validation = (report as Loose).validation;
  if (!isObject(validation)) return undefined;
  const targets = (Array.isArray(validation.targets) ? validation.targets : [])
    .filter(isObject)
    .map((t) => ({ stepId: text(t.stepId) ?? '?', ok: t.ok === true, detail: text(t.detail) }));
  return { targets, metrics: isObject(validation.metrics) ? validation.metrics : undefined };
}

/** A value for one line of text: numbers and strings as they are, anything else as compact JSON. */
export function showValue(value: unknown, max = 200): string {
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** Where a report's time to recover ends (reports stored before `measuredTo` existed say it by `validatedAt`). */
export function recoveryEnd(recovery: { measuredTo?: string; validatedAt?: string }): 'validated' | 'all restored' {
  return (recovery.measuredTo ?? (recovery.validatedAt ? 'validated' : 'restored')) === 'validated'
    ? 'validated'
    : 'all restored';
}

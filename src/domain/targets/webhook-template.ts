/**
 * The webhook templates' tiny syntax: `{{changeId}}`, `{{stepId}}` and `{{idempotencyKey}}`, and
 * nothing else — no expressions, no filters, no escapes. Values are substituted by hand, escaped
 * for where they land:
 * - URLs: percent-encoded (`encodeURIComponent`), and only in the path and query;
 * - headers: refused if they would contain CR, LF or NUL (no header injection);
 * - bodies: substituted into JSON string values, then serialised with `JSON.stringify`, so every
 *   value is JSON-escaped and can never break out of its string.
 */
export const templateVariables = ['changeId', 'stepId', 'idempotencyKey'] as const;
export type TemplateVariable = (typeof templateVariables)[number];
export type TemplateValues = Record<TemplateVariable, string>;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** Why a template is malformed, or undefined when it is fine. */
export function templateProblem(text: string): string | undefined {
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!(templateVariables as readonly string[]).includes(name)) {
      return `unknown template variable "{{${name}}}"; use ${templateVariables.map((v) => `{{${v}}}`).join(', ')}`;
    }
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'unbalanced "{{" or "}}" in template';
  return undefined;
}

export function hasPlaceholder(text: string): boolean {
  return text.replace(PLACEHOLDER, '') !== text;
}

/** Substitutes placeholders; `escape` is applied to each value. The template must be valid. */
export function render(text: string, values: TemplateValues, escape: (value: string) => string = (v) => v): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    // Own values only: `{{constructor}}` must not render Object's constructor.
    const value = Object.hasOwn(values, name) ? values[name as TemplateVariable] : undefined;
    if (value === undefined) throw new Error(`unknown template variable "{{${name}}}"`);
    return escape(value);
  });
}

export const CONTROL_IN_HEADER = /[\r\n\0]/;

/** A header value with its placeholders filled; refuses values that would split the header. */
export function renderHeader(text: string, values: TemplateValues): string {
  return render(text, values, (value) => {
    if (CONTROL_IN_HEADER.test(value))
      throw new Error('a template value contains CR, LF or NUL and cannot go into a header');
    return value;
  });
}

export function renderUrl(text: string, values: TemplateValues): string {
  return render(text, values, encodeURIComponent);
}

/** A JSON body with placeholders filled inside its string values (keys are left as written). */
export function renderJson(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return render(value, values);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderJson(item, values)]));
  }
  return value;
}

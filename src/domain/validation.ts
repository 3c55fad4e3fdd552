import type { z } from 'zod';
import { pathTooDeep, tooDeepMessage } from './nesting';
import { findUnsafeKey } from './safe-keys';

export interface FieldIssue {
  /** Dotted path of the bad field, e.g. `steps.2.spec.flowId`; empty for the whole input. */
  path: string;
  message: string;
}

/** Bad input: carries every bad field's path and reason; nothing was started or written. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly subject: string,
    readonly issues: FieldIssue[],
  ) {
    super(`invalid ${subject}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

/**
 * Parses with a zod schema, or throws a ValidationError listing every issue. Input nested too
 * deeply for the schema to walk is refused first, naming where (see MAX_INPUT_DEPTH); then input
 * that is not plain data — a `__proto__`, `constructor` or `prototype` key, or an object whose
 * prototype was set — which the schema would otherwise drop or read through silently.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const deep = pathTooDeep(input);
  if (deep) throw new ValidationError(subject, [{ path: deep.map(String).join('.'), message: tooDeepMessage() }]);
  const unsafe = findUnsafeKey(input);
  if (unsafe)
    throw new ValidationError(subject, [{ path: unsafe.path.map(String).join('.'), message: unsafe.problem }]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    subject,
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}

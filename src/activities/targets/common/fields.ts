import { z } from 'zod';
import { canonicalJson } from '../../../domain/canonical';

/**
 * Field paths and values the MongoDB-backed targets accept. Every name that reaches a query or an
 * update is checked here, so nothing a change request carries is ever read as a MongoDB operator.
 */

const segmentProblem = (segment: string): string | undefined => {
  if (segment === '') return 'must not have empty segments (leading, trailing or double ".")';
  if (segment.startsWith('$')) return `segment "${segment}" must not start with "$" (MongoDB operators are not accepted)`;
  if (segment.includes('$')) return `segment "${segment}" must not contain "$"`;
  if (segment.includes('\0')) return 'must not contain a NUL character';
  if (/^\d+$/.test(segment)) return `segment "${segment}" must not be a number (array positions are not supported)`;
  return undefined;
};

/** A dotted field path such as `contact.email`: no `$`, no NUL, no empty or numeric segment. */
export const fieldPathSchema = z
  .string()
  .min(1)
  .max(256)
  .superRefine((path, ctx) => {
    for (const segment of path.split('.')) {
      const problem = segmentProblem(segment);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return;
      }
    }
  });

/** A path a change may write: any field path except `_id` and its sub-fields. */
export const writablePathSchema = fieldPathSchema.refine((path) => path !== '_id' && !path.startsWith('_id.'), 'must not write "_id"');

/** Collections that hold this service's own bookkeeping or versioned data; steps may not write them. */
export const reservedCollections = ['recovery_points', 'change_reports', 'lead_journal', 'lead_conflicts', 'document_writes', 'flows', 'flow_versions'];

export const collectionNameSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-" (no "$", no spaces)')
  .refine((name) => !name.startsWith('system.'), 'must not be a "system." collection')
  .refine((name) => !reservedCollections.includes(name), 'is reserved for lead-rollback bookkeeping');

/** A JSON value to write into a document; object keys are checked like path segments (no `$`, no `.`). */
export const writableValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
    z.null(),
    z.array(writableValueSchema).max(10_000),
    z.record(
      z.string().superRefine((key, ctx) => {
        const problem = key.includes('.') ? `key "${key}" must not contain "."` : segmentProblem(key);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      writableValueSchema,
    ),
  ]),
);

/** Two paths overlap when one is the other or lies inside it (`a` and `a.b`): MongoDB refuses such updates. */
export function overlappingPaths(paths: string[]): [string, string] | undefined {
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a === b || b.startsWith(`${a}.`)) return [a, b];
  }
  return undefined;
}

/** One field's value in a document, or its absence (MongoDB distinguishes a missing field from null). */
export type Slot = { exists: false } | { exists: true; value: unknown };

export const MISSING: Slot = { exists: false };

/** The values of `paths` in `doc` (following embedded documents, not arrays). */
export function readSlots(doc: Record<string, unknown>, paths: string[]): Slot[] {
  return paths.map((path) => {
    let current: unknown = doc;
    for (const segment of path.split('.')) {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !(segment in current)) return MISSING;
      current = (current as Record<string, unknown>)[segment];
    }
    return { exists: true, value: current };
  });
}

export function slotsKey(slots: Slot[]): string {
  return canonicalJson(slots.map((s) => (s.exists ? [s.value] : [])));
}

export function slotsEqual(a: Slot[], b: Slot[]): boolean {
  return slotsKey(a) === slotsKey(b);
}

/** The `$set`/`$unset` update that gives `paths` the values in `slots`. */
export function updateFor(paths: string[], slots: Slot[]): { $set?: Record<string, unknown>; $unset?: Record<string, ''> } {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  paths.forEach((path, i) => {
    const slot = slots[i]!;
    if (slot.exists) $set[path] = slot.value;
    else $unset[path] = '';
  });
  return { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) };
}

/** `{ path: value }` for people (reports, samples); a missing field is left out. */
export function slotsObject(paths: string[], slots: Slot[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  paths.forEach((path, i) => {
    const slot = slots[i]!;
    if (slot.exists) out[path] = slot.value;
  });
  return out;
}

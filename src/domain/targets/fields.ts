import { z } from 'zod';
import { canonicalJson } from '../canonical';
import { documentKeyProblem, ownValue, pathSegmentProblem, setOwn } from '../safe-keys';
import { reservedCollectionProblem } from './collections';

/**
 * Field paths and values the MongoDB-backed targets accept. Every name that reaches a query or an
 * update is checked here, so nothing a change request carries is ever read as a MongoDB operator.
 */

/** A dotted field path such as `contact.email`: every segment a safe one (src/domain/safe-keys.ts). */
export const fieldPathSchema = z
  .string()
  .min(1)
  .max(256)
  .superRefine((path, ctx) => {
    for (const segment of path.split('.')) {
      const problem = pathSegmentProblem(segment);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return;
      }
    }
  });

/** A path a change may write: any field path except `_id` and its sub-fields. */
export const writablePathSchema = fieldPathSchema.refine(
  (path) => path !== '_id' && !path.startsWith('_id.'),
  'must not write "_id"',
);

/**
 * A collection a step may name: one of this database's collections (a name cannot address another
 * database or an operator namespace: no "$", no leading "."), never a system or product collection.
 */
export const collectionNameSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-" (no "$", no spaces)')
  .superRefine((name, ctx) => {
    const problem = reservedCollectionProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Why an object key cannot be written as a field name, if it cannot. */
export const keyProblem = documentKeyProblem;

/**
 * Refuses the bad keys of an object by their own path. It runs even when some values are
 * invalid too (`when`), so one parse reports every bad key and every bad value.
 */
export function checkKeys(problem: (key: string) => string | undefined) {
  return [
    (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
      for (const key of Object.keys(value)) {
        const message = problem(key);
        if (message) ctx.addIssue({ code: 'custom', path: [key], message });
      }
    },
    { when: () => true },
  ] as const;
}

/** A JSON value to write into a document; object keys are checked like path segments (no `$`, no `.`). */
export const writableValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
    z.null(),
    z.array(writableValueSchema).max(10_000),
    z.record(z.string(), writableValueSchema).superRefine(...checkKeys(keyProblem)),
  ]),
);

/** Why a key cannot be a field path (for records keyed by paths, e.g. `{ "contact.email": … }`). */
export function pathProblem(path: string, writable = false): string | undefined {
  const result = (writable ? writablePathSchema : fieldPathSchema).safeParse(path);
  return result.success ? undefined : result.error.issues[0]!.message;
}

/** Two paths overlap when one is the other or lies inside it (`a` and `a.b`): MongoDB refuses such updates. */
export function overlappingPaths(paths: string[]): [string, string] | undefined {
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a === b || b.startsWith(`${a}.`)) return [a, b];
  }
  return undefined;
}

/**
 * One field's value in a document, or its absence (MongoDB distinguishes a missing field from
 * null). For a missing dotted field, `missingFrom` names the shallowest ancestor that was missing
 * too, so a restore can remove the parent a write created instead of leaving `{}` behind.
 */
export type Slot = { exists: false; missingFrom?: string } | { exists: true; value: unknown };

export const MISSING: Slot = { exists: false };

/** The values of `paths` in `doc` (following embedded documents, not arrays). */
export function readSlots(doc: Record<string, unknown>, paths: string[]): Slot[] {
  return paths.map((path) => {
    const segments = path.split('.');
    let current: unknown = doc;
    for (const [depth, segment] of segments.entries()) {
      // Own fields only: an inherited name (`constructor`) is not a field of the document.
      if (
        current === null ||
        typeof current !== 'object' ||
        Array.isArray(current) ||
        !Object.hasOwn(current, segment)
      ) {
        return depth < segments.length - 1
          ? { exists: false, missingFrom: segments.slice(0, depth + 1).join('.') }
          : MISSING;
      }
      current = ownValue(current, segment);
    }
    return { exists: true, value: current };
  });
}

/** The top-level fields holding `paths`: what to project to see them and their parents. */
export function topLevelFields(paths: string[]): string[] {
  return [...new Set(paths.map((path) => path.split('.')[0]!))];
}

export function slotsKey(slots: Slot[]): string {
  return canonicalJson(slots.map((s) => (s.exists ? [s.value] : [])));
}

export function slotsEqual(a: Slot[], b: Slot[]): boolean {
  return slotsKey(a) === slotsKey(b);
}

type Update = { $set?: Record<string, unknown>; $unset?: Record<string, ''> };

/**
 * The `$set`/`$unset` update that gives `paths` the values in `slots`. With `current` (the
 * document's top-level fields holding the paths), a field that was missing together with its
 * parent has that parent removed when nothing else is left in it, so the document is exact.
 */
export function updateFor(paths: string[], slots: Slot[], current?: Record<string, unknown>): Update {
  const sets: [string, unknown][] = [];
  const unsets = new Set<string>();
  paths.forEach((path, i) => {
    const slot = slots[i]!;
    if (slot.exists) sets.push([path, slot.value]);
    else
      unsets.add(
        slot.missingFrom && current && hollowAfter(current, slot.missingFrom, paths, slots) ? slot.missingFrom : path,
      );
  });
  // Built from entries, so every path is an own key whatever it is named.
  const $set: Record<string, unknown> = Object.fromEntries(sets);
  // A removed parent covers the fields under it.
  const $unset: Record<string, ''> = Object.fromEntries(
    [...unsets]
      .filter((path) => ![...unsets].some((other) => path.startsWith(`${other}.`)))
      .map((path) => [path, ''] as const),
  );
  return { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) };
}

/** Whether the embedded document at `ancestor` holds no value once the missing slots are removed and nothing is set in it. */
function hollowAfter(doc: Record<string, unknown>, ancestor: string, paths: string[], slots: Slot[]): boolean {
  if (paths.some((path, i) => slots[i]!.exists && (path === ancestor || path.startsWith(`${ancestor}.`)))) return false;
  const removed = new Set(paths.filter((_, i) => !slots[i]!.exists));
  const hollow = (node: unknown, at: string): boolean => {
    if (removed.has(at)) return true;
    if (
      node === null ||
      typeof node !== 'object' ||
      Array.isArray(node) ||
      (node as { _bsontype?: string })._bsontype ||
      node instanceof Date
    )
      return false;
    return Object.entries(node as Record<string, unknown>).every(([key, child]) => hollow(child, `${at}.${key}`));
  };
  let node: unknown = doc;
  for (const segment of ancestor.split('.')) {
    if (node === null || typeof node !== 'object') return false;
    node = ownValue(node, segment);
  }
  return node !== undefined && hollow(node, ancestor);
}

/**
 * The fields as a nested document for people (reports, samples): `contact.email` becomes
 * `{ contact: { email } }` (stored reports may not have dotted keys); a missing field is left out.
 */
export function slotsObject(paths: string[], slots: Slot[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  paths.forEach((path, i) => {
    const slot = slots[i]!;
    if (!slot.exists) return;
    const segments = path.split('.');
    let node = out;
    // Own properties only, set with setOwn: whatever a path is named, it never reaches a prototype.
    for (const segment of segments.slice(0, -1)) {
      let child = ownValue(node, segment);
      if (child === null || typeof child !== 'object') setOwn(node, segment, (child = {}));
      node = child as Record<string, unknown>;
    }
    setOwn(node, segments[segments.length - 1]!, slot.value);
  });
  return out;
}

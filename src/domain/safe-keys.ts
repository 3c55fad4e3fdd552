import type { z } from 'zod';

/**
 * The one definition of a key or path segment a change request may use to name data. A request's
 * keys end up indexing objects in the worker (documents, samples, bodies), and three names are not
 * data in JavaScript: assigning `__proto__` replaces an object's prototype, and `constructor`
 * (`.prototype`) leads to the prototype every object shares. A path through them would let one
 * request alter the worker's process for every change it runs afterwards, so they are refused
 * wherever a request names a field, a key, a header or a pointer token.
 */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.includes(key);
}

export function prototypeKeyProblem(key: string): string | undefined {
  return isPrototypeKey(key)
    ? `"${key}" is not accepted as a name: ${PROTOTYPE_KEYS.join(', ')} reach JavaScript object prototypes`
    : undefined;
}

/** A zod refinement for names that key objects (ids, property names, header names): `.superRefine(refusePrototypeKey)`. */
export function refusePrototypeKey(name: string, ctx: z.RefinementCtx): void {
  const problem = prototypeKeyProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

/**
 * Why one segment of a dotted field path (`contact.email`) is refused: empty, a MongoDB operator
 * (`$`), NUL, an array position (numeric) or a prototype key.
 */
export function pathSegmentProblem(segment: string): string | undefined {
  if (segment === '') return 'must not have empty segments (leading, trailing or double ".")';
  if (segment.startsWith('$'))
    return `segment "${segment}" must not start with "$" (MongoDB operators are not accepted)`;
  if (segment.includes('$')) return `segment "${segment}" must not contain "$"`;
  if (segment.includes('\0')) return 'must not contain a NUL character';
  if (/^\d+$/.test(segment)) return `segment "${segment}" must not be a number (array positions are not supported)`;
  return prototypeKeyProblem(segment);
}

/** Why a key of a document to be stored is refused: a path segment's rules, and no "." (MongoDB reads it as a path). */
export function documentKeyProblem(key: string): string | undefined {
  return key.includes('.') ? `key "${key}" must not contain "."` : pathSegmentProblem(key);
}

export interface UnsafeKey {
  path: (string | number)[];
  problem: string;
}

/**
 * The first place in a JSON-like value that is not plain data: an own prototype key (JSON.parse
 * and YAML keep `"__proto__"` as an own key, which schemas then drop silently), or an object whose
 * prototype is not `Object.prototype` or null (a `{ __proto__: … }` literal sets the prototype, and
 * schemas read inherited fields as if they were given). Iterative; run it after the depth check,
 * which also stops cycles.
 */
export function findUnsafeKey(value: unknown): UnsafeKey | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    const node = next.value;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      if (Object.getPrototypeOf(node) !== Array.prototype) return { path: next.path, problem: 'must be a plain array' };
      node.forEach((item, index) => stack.push({ value: item, path: [...next.path, index] }));
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null)
      return {
        path: next.path,
        problem: 'must be a plain object (its prototype was set, e.g. by a { __proto__: … } literal)',
      };
    for (const key of Object.keys(node)) {
      const problem = prototypeKeyProblem(key);
      if (problem) return { path: [...next.path, key], problem };
      stack.push({ value: (node as Record<string, unknown>)[key], path: [...next.path, key] });
    }
  }
  return undefined;
}

/** `object[key]` only when it is the object's own property: a walk over untrusted keys never follows a prototype. */
export function ownValue(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** Sets an own data property, even for `__proto__` (plain assignment would replace the prototype instead). */
export function setOwn(object: object, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A plain copy of a string record such as `process.env` (whose prototype is not Object's), for
 * parsing: configuration is read by name, so leaving out variables named like prototype keys loses
 * nothing and keeps a stray `constructor=…` in the environment from stopping a process at start.
 */
export function plainEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isPrototypeKey(name)));
}

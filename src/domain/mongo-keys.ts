import { prototypeKeyProblem } from './safe-keys';

/**
 * Keys MongoDB (and FerretDB) cannot store as field names: a leading "$" reads as an operator
 * (`{ "$where": … }`, `{ "$gt": "" }` injected into a document), a "." as a path. FerretDB refuses
 * both on write; refusing them when a change is validated keeps such a change from ever starting
 * only to fail at apply.
 */
export function mongoKeyProblem(key: string): string | undefined {
  if (key.startsWith('$')) return `key "${key}" starts with "$": MongoDB reads it as an operator, not a field`;
  if (key.includes('.')) return `key "${key}" contains ".": MongoDB reads it as a path, not a field`;
  if (key.includes('\0')) return 'a key contains a NUL character';
  return undefined;
}

/** The first key in a JSON value MongoDB cannot store, or that is a prototype key, with its path; undefined when all are fine. Iterative. */
export function findUnstorableKey(value: unknown): { path: (string | number)[]; problem: string } | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (Array.isArray(next.value)) {
      next.value.forEach((item, index) => stack.push({ value: item, path: [...next.path, index] }));
    } else if (next.value !== null && typeof next.value === 'object') {
      for (const [key, item] of Object.entries(next.value)) {
        const problem = prototypeKeyProblem(key) ?? mongoKeyProblem(key);
        if (problem) return { path: [...next.path, key], problem };
        stack.push({ value: item, path: [...next.path, key] });
      }
    }
  }
  return undefined;
}

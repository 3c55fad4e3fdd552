/**
 * Deeper input than this is refused before any schema looks at it. Schemas walk JSON values
 * recursively (zod's `z.json()`), so a value nested a few thousand levels deep — a dozen KB of
 * `[[[[…]]]]` — overflows the stack and surfaces as an internal error instead of a clear refusal.
 * No valid request comes near the limit (a webhook body, the deepest part, may nest 32 levels).
 */
export const MAX_INPUT_DEPTH = 64;

/**
 * The path of the first object or array nested deeper than `max` levels (the root is level 0), or
 * undefined. Iterative, so it cannot overflow itself; a cyclic object (a library caller's) is
 * infinitely deep and reported as such, where the walk passes the limit.
 */
export function pathTooDeep(value: unknown, max: number = MAX_INPUT_DEPTH): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.path.length > max) return next.path;
    const entries: [string | number, unknown][] = Array.isArray(next.value)
      ? next.value.map((item, index) => [index, item])
      : Object.entries(next.value);
    for (const [key, item] of entries)
      if (item !== null && typeof item === 'object') stack.push({ value: item, path: [...next.path, key] });
  }
  return undefined;
}

export function tooDeepMessage(max: number = MAX_INPUT_DEPTH): string {
  return `is nested deeper than ${max} levels`;
}

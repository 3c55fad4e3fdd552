import { z } from 'zod';
import { prototypeKeyProblem } from './safe-keys';

/** RFC 6901 JSON Pointer: "" or a sequence of "/token" with ~0 and ~1 escapes. */
export const jsonPointerSchema = z
  .string()
  .max(1024)
  .regex(/^(\/([^~/]|~[01])*)*$/, 'must be a JSON Pointer such as /rules/0/value');

/** One RFC 6902 operation; unknown keys are refused so typos do not pass silently. */
export const jsonPatchOperationSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), path: jsonPointerSchema, value: z.json() }),
  z.strictObject({ op: z.literal('remove'), path: jsonPointerSchema }),
  z.strictObject({ op: z.literal('replace'), path: jsonPointerSchema, value: z.json() }),
  z.strictObject({ op: z.literal('move'), from: jsonPointerSchema, path: jsonPointerSchema }),
  z.strictObject({ op: z.literal('copy'), from: jsonPointerSchema, path: jsonPointerSchema }),
  z.strictObject({ op: z.literal('test'), path: jsonPointerSchema, value: z.json() }),
]);

/** RFC 6901 reference tokens of a pointer, unescaped. */
export function pointerTokens(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export const jsonPatchSchema = z
  .array(jsonPatchOperationSchema)
  .min(1)
  .max(500)
  .superRefine((operations, ctx) => {
    operations.forEach((operation, index) => {
      for (const field of ['path', 'from'] as const) {
        const pointer = (operation as { path: string; from?: string })[field];
        // fast-json-patch refuses prototype tokens at apply time too; refuse them up front, by the one rule.
        const problem =
          pointer === undefined ? undefined : pointerTokens(pointer).map(prototypeKeyProblem).find(Boolean);
        if (problem) ctx.addIssue({ code: 'custom', path: [index, field], message: problem });
      }
    });
  });

export type JsonPatchOperation = z.infer<typeof jsonPatchOperationSchema>;

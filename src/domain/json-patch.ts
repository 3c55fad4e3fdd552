import { z } from 'zod';

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

export const jsonPatchSchema = z.array(jsonPatchOperationSchema).min(1).max(500);

export type JsonPatchOperation = z.infer<typeof jsonPatchOperationSchema>;

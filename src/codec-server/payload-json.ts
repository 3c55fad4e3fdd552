import type { Payload } from '@temporalio/common';
import { z } from 'zod';

// Codec-server bodies are `temporal.api.common.v1.Payloads` in proto3 JSON: every bytes field (the
// data and each metadata value) is base64, standard or URL-safe, padding optional.
const base64 = z
  .string()
  .max(64 * 1024 * 1024)
  .refine((s) => /^[A-Za-z0-9+/_-]*={0,2}$/.test(s) && s.replace(/=+$/, '').length % 4 !== 1, 'must be base64');

const payloadJsonSchema = z.object({
  metadata: z.record(z.string().max(256), base64).nullish(),
  data: base64.nullish(),
});

export const MAX_PAYLOADS_PER_REQUEST = 10_000;

/** Body of `POST /encode` and `POST /decode`. Unknown payload fields are ignored. */
export const payloadsBodySchema = z.object({
  payloads: z.array(payloadJsonSchema).max(MAX_PAYLOADS_PER_REQUEST),
});

export type PayloadJson = z.infer<typeof payloadJsonSchema>;

export function payloadFromJson({ metadata, data }: PayloadJson): Payload {
  return {
    metadata: metadata
      ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]))
      : {},
    data: data ? Buffer.from(data, 'base64') : undefined,
  };
}

export function payloadToJson({ metadata, data }: Payload): { metadata: Record<string, string>; data?: string } {
  const json: { metadata: Record<string, string>; data?: string } = {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    ),
  };
  if (data && data.length > 0) json.data = Buffer.from(data).toString('base64');
  return json;
}

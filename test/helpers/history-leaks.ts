import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ENCRYPTED_ENCODING } from '../../src/temporal/encryption-codec';

type History = temporal.api.history.v1.IHistory;

/** A raw history in the two forms Temporal stores and serves: protobuf bytes and proto3 JSON (bytes as base64). */
export interface SerializedHistory {
  binary: Buffer;
  json: string;
}

export function serializeHistory(history: History): SerializedHistory {
  const { History: HistoryType } = temporal.api.history.v1;
  const binary = Buffer.from(HistoryType.encode(history).finish());
  const object = HistoryType.toObject(HistoryType.decode(binary), { bytes: String, longs: String, enums: String });
  return { binary, json: JSON.stringify(object) };
}

/**
 * The base64 substrings that any base64 text containing `text`'s bytes must contain, for each of
 * the three byte alignments (payload data is bytes; proto3 JSON shows it as base64).
 */
export function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Characters whose 6 bits all come from `text`'s bytes.
    return encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
  });
}

/** Every secret found in the history as plain text (bytes or JSON) or in base64, with where. */
export function findLeaks(history: SerializedHistory, secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const secret of secrets) {
    if (history.binary.includes(Buffer.from(secret, 'utf8'))) leaks.push(`"${secret}" in the protobuf bytes`);
    if (history.json.includes(secret)) leaks.push(`"${secret}" in the JSON`);
    for (const form of base64Forms(secret))
      if (history.json.includes(form)) leaks.push(`"${secret}" as base64 "${form}"`);
  }
  return leaks;
}

export interface FoundPayload {
  /** JSON path, e.g. `events.4.activityTaskScheduledEventAttributes.input.payloads.0`. */
  path: string;
  payload: Payload;
}

/** Every payload in a proto3-JSON history: objects with a base64 `metadata.encoding`. */
export function payloadsIn(json: string): FoundPayload[] {
  const found: FoundPayload[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, String(i)]));
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const metadata = record.metadata as Record<string, string> | undefined;
      if (metadata && typeof metadata === 'object' && typeof metadata[METADATA_ENCODING_KEY] === 'string') {
        found.push({
          path: path.join('.'),
          payload: {
            metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
            data: typeof record.data === 'string' ? Buffer.from(record.data, 'base64') : undefined,
          },
        });
        return;
      }
      for (const [key, child] of Object.entries(record)) walk(child, [...path, key]);
    }
  };
  walk(JSON.parse(json), []);
  return found;
}

export const encodingOf = (payload: Payload) =>
  Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString('utf8');
export const isEncryptedPayload = (payload: Payload) => encodingOf(payload) === ENCRYPTED_ENCODING;

/** Search attributes are indexed by the server and never pass a codec; everything else must. */
export const isSearchAttribute = (found: FoundPayload) => /(^|\.)searchAttributes\./.test(found.path);

/** Plain by Temporal's design like search attributes: a patch marker holds only the patch id from our code. */
export const isPatchMarker = (found: FoundPayload) =>
  /markerRecordedEventAttributes\.details\.patch-data\./.test(found.path);

/** Payloads that carry workflow data (and so must be encrypted). */
export const carriesData = (found: FoundPayload) => !isSearchAttribute(found) && !isPatchMarker(found);

/** The decoded text of every payload, for checking what the ciphertext really held. */
export async function decodedText(payloads: FoundPayload[], codec: PayloadCodec): Promise<string> {
  const decoded = await codec.decode(payloads.map((p) => p.payload));
  return decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
}

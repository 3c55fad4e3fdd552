import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

/** JSON with sorted keys: equal documents give equal strings, whatever their key order. */
export function canonicalJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** sha256 of the canonical JSON; recovery points and verifications compare these. */
export function checksum(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

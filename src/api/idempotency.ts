import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';

/** `Idempotency-Key`: any printable ASCII token a caller chooses, e.g. a UUID or its own request id. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 printable ASCII characters without spaces')
  .describe('Retrying with the same key returns the same change; without it every request starts a new change');

/**
 * The change id for a start request. With a key it is derived from the caller's actor and the key,
 * so a retry finds the same change (and one caller's key can never name another caller's change);
 * without a key a fresh id is drawn.
 */
export function changeIdFor(actor: string, key: string | undefined): string {
  const seed = key === undefined ? randomUUID() : `${actor}\n${key}`;
  return `c-${createHash('sha256').update(seed, 'utf8').digest('hex').slice(0, 24)}`;
}

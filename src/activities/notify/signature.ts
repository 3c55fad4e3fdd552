import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` on generic webhooks. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-lead-rollback-signature';

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** Signs a webhook body; the timestamp is inside the MAC so a captured request cannot be re-dated. */
export function signWebhookBody(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * What a receiver runs: the signature matches (timing-safe) and is at most `toleranceSeconds` old.
 * Exported for receivers written in TypeScript and for the tests.
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, options: { now?: number; toleranceSeconds?: number } = {}): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const timestamp = Number(match[1]);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  return timingSafeEqual(Buffer.from(match[2]!, 'hex'), Buffer.from(hmacHex(secret, timestamp, body), 'hex'));
}

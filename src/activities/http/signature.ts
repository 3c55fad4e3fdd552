import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 request signatures for webhooks, shared by the sender (the `webhook` adapter) and
 * receivers (the webhook peer, or a partner implementing the same check).
 *
 * Header: `X-Lead-Rollback-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `t + "\n" + METHOD + "\n" + path?query + "\n" + Idempotency-Key + "\n" + body`. Signing the
 * method, path and key as well as the body means a captured signature cannot be replayed against
 * another endpoint or with another key; the timestamp bounds replays in time.
 */
export const SIGNATURE_HEADER = 'X-Lead-Rollback-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** How far a signature's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SignedParts {
  method: string;
  /** Path and query of the URL, e.g. `/hooks/leads?x=1`. */
  path: string;
  idempotencyKey: string;
  body: string;
}

function payload(timestamp: number, parts: SignedParts): string {
  return `${timestamp}\n${parts.method.toUpperCase()}\n${parts.path}\n${parts.idempotencyKey}\n${parts.body}`;
}

function hmac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
}

/** The signature header's value for a request. */
export function signRequest(secret: string, parts: SignedParts, nowSeconds: number = Math.floor(Date.now() / 1000)): string {
  return `t=${nowSeconds},v1=${hmac(secret, payload(nowSeconds, parts))}`;
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'expired' | 'mismatch';

/** Checks a signature header in constant time; anything but `valid` must be refused. */
export function verifySignature(
  secret: string,
  header: string | undefined,
  parts: SignedParts,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return 'missing';
  const fields = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = fields.get('t');
  const v1 = fields.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return 'malformed';
  const timestamp = Number(t);
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return 'expired';
  const expected = Buffer.from(hmac(secret, payload(timestamp, parts)), 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? 'valid' : 'mismatch';
}

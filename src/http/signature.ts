import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one request signature of every call to a partner — webhook steps and notification webhooks
 * alike — shared by the sender and receivers (the webhook peer, or a partner running this check).
 *
 * Header: `X-Lead-Rollback-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256>` with the partner's
 * secret over the lines
 *
 *     v2
 *     <t>
 *     <METHOD>
 *     <host>            lowercase, with the port when it is not the scheme's default
 *     <path?query>      exactly as sent
 *     <Idempotency-Key>
 *     <body>            exactly as sent (empty when there is none)
 *
 * Binding the host means a signature made for one destination is worthless at another (and a
 * partner's secret only ever signs requests to the partner's own origins); the method, path and
 * key bind it to one request; the timestamp bounds replays in time.
 */
export const SIGNATURE_HEADER = 'X-Lead-Rollback-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const SIGNATURE_VERSION = 'v2';

/** How far a signature's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SignedParts {
  method: string;
  /** `host[:port]` as in the URL, e.g. `hooks.partner-a.example` or `127.0.0.1:8080`. */
  host: string;
  /** Path and query of the URL, e.g. `/hooks/leads?x=1`. */
  path: string;
  idempotencyKey: string;
  body: string;
}

function payload(timestamp: number, parts: SignedParts): string {
  return [
    SIGNATURE_VERSION,
    String(timestamp),
    parts.method.toUpperCase(),
    parts.host.toLowerCase(),
    parts.path,
    parts.idempotencyKey,
    parts.body,
  ].join('\n');
}

function hmac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
}

/** The parts to sign for a request to `url` (host and path with query taken from the parsed URL). */
export function signedPartsOf(request: {
  method: string;
  url: string;
  idempotencyKey: string;
  body?: string;
}): SignedParts {
  const url = new URL(request.url);
  return {
    method: request.method,
    host: url.host,
    path: `${url.pathname}${url.search}`,
    idempotencyKey: request.idempotencyKey,
    body: request.body ?? '',
  };
}

/** The signature header's value for a request. */
export function signRequest(
  secret: string,
  parts: SignedParts,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string {
  return `t=${nowSeconds},${SIGNATURE_VERSION}=${hmac(secret, payload(nowSeconds, parts))}`;
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'expired' | 'mismatch';

/**
 * Checks a signature header in constant time; anything but `valid` must be refused. `parts.host`
 * must be the host the receiver is known by (what its partner entry's origin says), never the
 * request's own Host header, which the sender chooses.
 */
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
  const mac = fields.get(SIGNATURE_VERSION);
  if (!t || !/^\d{1,12}$/.test(t) || !mac || !/^[0-9a-f]{64}$/.test(mac)) return 'malformed';
  const timestamp = Number(t);
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return 'expired';
  const expected = Buffer.from(hmac(secret, payload(timestamp, parts)), 'hex');
  return timingSafeEqual(expected, Buffer.from(mac, 'hex')) ? 'valid' : 'mismatch';
}

/**
 * What a partner's receiver runs: `url` is the full URL as the partner is known by (its public
 * origin plus the request's path and query as received), `body` the raw body.
 */
export function verifyPartnerRequest(
  secret: string,
  request: { method: string; url: string; idempotencyKey?: string; body: string; signature?: string },
  nowSeconds?: number,
): SignatureCheck {
  return verifySignature(
    secret,
    request.signature,
    signedPartsOf({ ...request, idempotencyKey: request.idempotencyKey ?? '' }),
    nowSeconds,
  );
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's window: a request older (or newer) than this is refused, so captured requests expire. */
export const SLACK_TOLERANCE_SECONDS = 300;

export interface SlackRequestParts {
  /** `X-Slack-Request-Timestamp` */
  timestamp: string | undefined;
  /** `X-Slack-Signature` */
  signature: string | undefined;
  rawBody: Buffer;
}

export type SlackVerification = { ok: true; signature: string; timestamp: number } | { ok: false; reason: string };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string | number, rawBody: Buffer | string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/**
 * Verifies a request as Slack documents it: the timestamp is within five minutes of now and the
 * signature matches, compared in constant time. Replays inside the window are caught by the
 * replay guard, which is told only about requests that passed this check.
 */
export function verifySlackRequest(
  signingSecret: string,
  parts: SlackRequestParts,
  nowSeconds = Math.floor(Date.now() / 1000),
): SlackVerification {
  if (!parts.timestamp || !parts.signature)
    return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!/^\d{1,12}$/.test(parts.timestamp)) return { ok: false, reason: 'malformed X-Slack-Request-Timestamp' };
  const timestamp = Number(parts.timestamp);
  if (Math.abs(nowSeconds - timestamp) > SLACK_TOLERANCE_SECONDS)
    return { ok: false, reason: 'request timestamp is outside the 5-minute window' };
  const expected = Buffer.from(slackSignature(signingSecret, parts.timestamp, parts.rawBody));
  const given = Buffer.from(parts.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature does not match' };
  return { ok: true, signature: parts.signature, timestamp };
}

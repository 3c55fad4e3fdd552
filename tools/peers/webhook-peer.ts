import { createHash } from 'node:crypto';
import { SIGNATURE_HEADER, verifyPartnerRequest } from '../../src/http/signature';
import type { FaultConfigInput, FaultInjector } from './faults';
import { headerValue, startPeerServer, type PeerRequest, type PeerStats, type Reply } from './server';

/**
 * A partner's webhook receiver, as a careful partner builds one: it accepts any method and path
 * (outside `/__peer/`), checks the v2 signature when it has a secret (401 otherwise),
 * and honours `Idempotency-Key`: a repeated key with the same request gets the first answer again
 * without a second effect; a reused key with a different request is refused (422). Every request
 * lands in the log, so tests and the crash campaign can count deliveries and effects per key.
 */
export interface WebhookPeerOptions {
  host?: string;
  port?: number;
  faults?: FaultConfigInput;
  /** HMAC secret; when set, unsigned or badly signed requests are refused with 401. */
  secret?: string;
  /**
   * The `host[:port]` its partner entry names (the signature binds it), e.g. a name that resolves
   * to this loopback server; default the address it listens on.
   */
  knownHost?: string;
  /** `dedupe` (default): answer repeats of a key from the first delivery; `none`: process every request. */
  idempotency?: 'dedupe' | 'none';
}

export interface WebhookDelivery {
  seq: number;
  at: string;
  method: string;
  path: string;
  idempotencyKey?: string;
  body: unknown;
}

export interface WebhookPeerState {
  /** Requests that took effect, in order (replays and refusals excluded). */
  deliveries(): WebhookDelivery[];
  /** Deliveries that took effect under one idempotency key (0 or 1 with dedupe). */
  effectsFor(key: string): number;
}

export interface WebhookPeer {
  url: string;
  secret?: string;
  state: WebhookPeerState;
  faults: FaultInjector;
  requests(filter?: { since?: number; key?: string }): PeerRequest[];
  stats(): PeerStats;
  clearLog(): void;
  stop(): Promise<void>;
}

export async function startWebhookPeer(options: WebhookPeerOptions = {}): Promise<WebhookPeer> {
  const deliveries: WebhookDelivery[] = [];
  const answered = new Map<string, { fingerprint: string; reply: Reply }>();
  const dedupe = (options.idempotency ?? 'dedupe') === 'dedupe';
  // Set once listening: the host a careful receiver checks signatures against is its own, never the request's Host header.
  let knownHost = options.knownHost ?? '';

  const server = await startPeerServer({
    name: 'webhook',
    host: options.host,
    port: options.port,
    faults: options.faults,
    errorBody: (status, message, category) => ({ error: message, category }),
    state: () => ({ deliveries }),
    authorize(call) {
      if (!options.secret) {
        call.entry.signature = 'unchecked';
        return undefined;
      }
      // What a partner runs: the URL it is known by (its host, never the request's Host header) with the
      // path and the raw query as received (re-serialising URLSearchParams could change its encoding).
      const check = verifyPartnerRequest(options.secret, {
        method: call.method,
        url: `http://${knownHost}${call.path}${call.entry.query}`,
        idempotencyKey: call.idempotencyKey,
        body: call.rawBody,
        signature: headerValue(call.headers, SIGNATURE_HEADER.toLowerCase()),
      });
      call.entry.signature = check;
      return check === 'valid' ? undefined : { status: 401, body: { error: `signature ${check}` } };
    },
    handle(call) {
      const fingerprint = createHash('sha256').update(`${call.method}\n${call.path}\n${call.rawBody}`).digest('hex');
      const key = call.idempotencyKey;
      if (dedupe && key) {
        const earlier = answered.get(key);
        if (earlier && earlier.fingerprint !== fingerprint) {
          return { status: 422, processed: false, body: { error: 'Idempotency-Key reused with a different request' } };
        }
        if (earlier) {
          call.entry.replayed = true;
          return { ...earlier.reply, effect: false };
        }
      }
      const delivery: WebhookDelivery = {
        seq: call.entry.seq,
        at: call.entry.at,
        method: call.method,
        path: call.path,
        idempotencyKey: key,
        body: call.body,
      };
      deliveries.push(delivery);
      const reply: Reply = { status: 200, body: { received: true, delivery: delivery.seq }, effect: true };
      if (dedupe && key) answered.set(key, { fingerprint, reply });
      return reply;
    },
  });

  knownHost ||= new URL(server.url).host;

  return {
    ...server,
    secret: options.secret,
    state: {
      deliveries: () => deliveries.map((d) => ({ ...d })),
      effectsFor: (key) => deliveries.filter((d) => d.idempotencyKey === key).length,
    },
  };
}

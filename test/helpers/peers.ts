import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { partnerGuard } from '../../src/client/partner-guard';
import type { RequestGuard } from '../../src/client/request-guard';
import type { Partners } from '../../src/domain/partners';
import { startCrmPeer, type CrmPeer, type CrmPeerOptions } from '../../tools/peers/crm-peer';
import { partnerMap, partnersEnvValue, peerPartner } from '../../tools/peers/partner';
import { startWebhookPeer, type WebhookPeer, type WebhookPeerOptions } from '../../tools/peers/webhook-peer';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { TargetWorkerDeps } from './harness';

/** The partner webhook steps name in tests: the webhook peer, on loopback (so `allowPrivateNetwork`). */
export const PEER_PARTNER = 'partner-a';
/**
 * A second configured partner whose origin is the CRM peer's: requests of partner-a's steps
 * aimed at it must be refused (a secret never signs for another partner), and the CRM peer's
 * request log shows whether anything got there.
 */
export const OTHER_PARTNER = 'partner-b';

export interface Peers {
  crm: CrmPeer;
  webhook: WebhookPeer;
  secret: string;
  /** The webhook peer as the configured partner `partner-a`, the CRM peer's origin as `partner-b`. */
  partners: Partners;
  /** What a worker needs to reach them: CRM URL and token, the partners with their secrets. */
  deps: Required<Pick<TargetWorkerDeps, 'crm' | 'partners'>>;
  /** The partner guard over `partners`, for `openTestEnv({ guard })` and test APIs. */
  guard: RequestGuard;
  /** The same partners as a process reads them (for CLI and worker child processes). */
  env: { WEBHOOK_PARTNERS: string };
  stop(): Promise<void>;
}

/** Starts a CRM peer and a webhook receiver (signatures required) on free loopback ports. */
export async function startPeers(options: { crm?: CrmPeerOptions; webhook?: WebhookPeerOptions } = {}): Promise<Peers> {
  const secret = randomBytes(24).toString('hex');
  const crm = await startCrmPeer(options.crm);
  const webhook = await startWebhookPeer({ secret, ...options.webhook });
  const partners = partnerMap(
    peerPartner(PEER_PARTNER, webhook.url, secret),
    peerPartner(OTHER_PARTNER, crm.url, randomBytes(24).toString('hex')),
  );
  return {
    crm,
    webhook,
    secret,
    partners,
    deps: { crm: { baseUrl: crm.url, token: crm.token, timeoutMs: 2_000 }, partners },
    guard: partnerGuard(partners),
    env: { WEBHOOK_PARTNERS: partnersEnvValue(partners) },
    async stop() {
      await Promise.all([crm.stop(), webhook.stop()]);
    },
  };
}

/** The ApplicationFailure a promise rejects with (fails the test when it resolves or throws anything else). */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected an ApplicationFailure, but it resolved');
}

/**
 * Two partner webhook steps: `announce-route` (POST /hooks/routes, undone by a DELETE) and
 * `activate` (POST /hooks/activate, undone by /hooks/deactivate), which tests make the partner refuse.
 */
export function partnerRouteSteps(hooksUrl: string, route: string): ChangeRequestInput['steps'] {
  return [
    {
      id: 'announce-route',
      target: 'webhook',
      spec: {
        partner: PEER_PARTNER,
        forward: { method: 'POST', url: `${hooksUrl}/hooks/routes`, body: { change: '{{changeId}}', route } },
        compensate: { method: 'DELETE', url: `${hooksUrl}/hooks/routes/{{changeId}}` },
      },
    },
    {
      id: 'activate',
      target: 'webhook',
      description: 'the partner refuses this one',
      spec: {
        partner: PEER_PARTNER,
        forward: { method: 'POST', url: `${hooksUrl}/hooks/activate`, body: { change: '{{changeId}}' } },
        compensate: { method: 'POST', url: `${hooksUrl}/hooks/deactivate`, body: { change: '{{changeId}}' } },
      },
    },
  ];
}

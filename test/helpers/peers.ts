import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { startCrmPeer, type CrmPeer, type CrmPeerOptions } from '../../src/peers/crm-peer';
import { startWebhookPeer, type WebhookPeer, type WebhookPeerOptions } from '../../src/peers/webhook-peer';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { TargetWorkerDeps } from './harness';

/** The secret name steps use in tests, and the HMAC secret the receiver checks. */
export const PEER_SECRET_NAME = 'partner-a';

export interface Peers {
  crm: CrmPeer;
  webhook: WebhookPeer;
  secret: string;
  /** What a worker needs to reach them: CRM URL and token, the named webhook secret. */
  deps: Required<Pick<TargetWorkerDeps, 'crm' | 'webhookSecrets'>>;
  stop(): Promise<void>;
}

/** Starts a CRM peer and a webhook receiver (signatures required) on free loopback ports. */
export async function startPeers(options: { crm?: CrmPeerOptions; webhook?: WebhookPeerOptions } = {}): Promise<Peers> {
  const secret = randomBytes(24).toString('hex');
  const crm = await startCrmPeer(options.crm);
  const webhook = await startWebhookPeer({ secret, ...options.webhook });
  return {
    crm,
    webhook,
    secret,
    deps: { crm: { baseUrl: crm.url, token: crm.token, timeoutMs: 2_000 }, webhookSecrets: { [PEER_SECRET_NAME]: secret } },
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
 * Two signed partner webhook steps: `announce-route` (POST /hooks/routes, undone by a DELETE) and
 * `activate` (POST /hooks/activate, undone by /hooks/deactivate), which tests make the partner refuse.
 */
export function partnerRouteSteps(hooksUrl: string, route: string): ChangeRequestInput['steps'] {
  return [
    {
      id: 'announce-route',
      target: 'webhook',
      spec: {
        secret: PEER_SECRET_NAME,
        forward: { method: 'POST', url: `${hooksUrl}/hooks/routes`, body: { change: '{{changeId}}', route } },
        compensate: { method: 'DELETE', url: `${hooksUrl}/hooks/routes/{{changeId}}` },
      },
    },
    {
      id: 'activate',
      target: 'webhook',
      description: 'the partner refuses this one',
      spec: {
        secret: PEER_SECRET_NAME,
        forward: { method: 'POST', url: `${hooksUrl}/hooks/activate`, body: { change: '{{changeId}}' } },
        compensate: { method: 'POST', url: `${hooksUrl}/hooks/deactivate`, body: { change: '{{changeId}}' } },
      },
    },
  ];
}

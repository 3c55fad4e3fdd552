import { notificationPayload } from '../../domain/notification-payload';
import { workflowUiUrl, type Config } from '../../config/index';
import { slackNotificationMessage } from '../../slack/notification-message';
import type { ChangeNotification } from '../../domain/notifications';
import { partnerDestinationProblem, type Partner, type Partners } from '../../domain/partners';
import { ValidationError } from '../../domain/validation';
import { OPERATOR_CONFIGURED } from '../../http/destinations';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signedPartsOf, signRequest } from '../../http/signature';
import { postNotification } from './http';

/** Where notifications can go, built by the worker from its configuration. */
export interface NotificationDeps {
  /** Slack incoming-webhook URL by channel (`#ops`). */
  slackWebhooks: ReadonlyMap<string, string>;
  /** Generic webhooks by name: a URL on the origins of the partner of that name, signed with its secret. */
  webhooks: ReadonlyMap<string, { url: string; partner: Partner }>;
  /** Link to a workflow in the Temporal UI. */
  workflowUrl(workflowId: string): string;
  /** Per request; the activity's own timeout bounds all channels together. */
  timeoutMs?: number;
}

/**
 * The notification channels of the configuration. A generic webhook `NOTIFY_WEBHOOK_URLS` names
 * must be a partner of WEBHOOK_PARTNERS and its URL on that partner's origins: the same partner
 * rules, sender and signature as webhook steps. Anything else stops the worker at start.
 */
export function notificationDepsFromConfig(config: Config, partners: Partners): NotificationDeps {
  const issues: { path: string; message: string }[] = [];
  const webhooks = new Map<string, { url: string; partner: Partner }>();
  for (const [name, url] of config.NOTIFY_WEBHOOK_URLS) {
    const partner = partners.get(name);
    const problem = partner
      ? partnerDestinationProblem(url, partner)
      : `names no partner: add "${name}" to WEBHOOK_PARTNERS (its origins and secret)`;
    if (problem) issues.push({ path: `NOTIFY_WEBHOOK_URLS.${name}`, message: problem });
    else webhooks.set(name, { url, partner: partner! });
  }
  if (issues.length > 0) throw new ValidationError('configuration (environment variables)', issues);
  return {
    slackWebhooks: config.SLACK_WEBHOOKS,
    webhooks,
    workflowUrl: (workflowId) => workflowUiUrl(config, workflowId),
  };
}

/** A channel resolves to a send, or to the reason it cannot be delivered (not configured). */
export type ChannelTarget = { send(): Promise<void> } | { undeliverable: string };

/** `slack:<channel>` → Block Kit message to the channel's incoming webhook; `webhook:<name>` → signed JSON to the partner. */
export function channelTarget(
  deps: NotificationDeps | undefined,
  channel: string,
  notification: ChangeNotification,
): ChannelTarget {
  const at = channel.indexOf(':');
  const kind = channel.slice(0, at);
  const name = channel.slice(at + 1);
  const timeoutMs = deps?.timeoutMs ?? 5000;
  const uiUrl = deps?.workflowUrl(notification.workflowId) ?? '';
  if (kind === 'slack') {
    const url =
      deps?.slackWebhooks.get(name) ?? deps?.slackWebhooks.get(name.startsWith('#') ? name.slice(1) : `#${name}`);
    if (!url) return { undeliverable: `no Slack webhook configured for ${name} (SLACK_WEBHOOKS)` };
    const body = JSON.stringify(slackNotificationMessage(notification, uiUrl));
    return {
      send: () => postNotification(channel, { url, body, headers: {}, timeoutMs, network: OPERATOR_CONFIGURED }),
    };
  }
  if (kind === 'webhook') {
    const hook = deps?.webhooks.get(name);
    if (!hook) return { undeliverable: `no webhook configured for ${name} (NOTIFY_WEBHOOK_URLS)` };
    const { url, partner } = hook;
    const secret = partner.secret;
    if (!secret)
      return { undeliverable: `partner ${name} has no signing secret on this worker; unsigned webhooks are not sent` };
    return {
      send: () => {
        const body = JSON.stringify(notificationPayload(notification, uiUrl));
        const signature = signRequest(
          secret,
          signedPartsOf({ method: 'POST', url, idempotencyKey: notification.id, body }),
        );
        const headers = {
          [SIGNATURE_HEADER.toLowerCase()]: signature,
          'x-lead-rollback-event': notification.event,
          [IDEMPOTENCY_HEADER.toLowerCase()]: notification.id,
        };
        return postNotification(channel, { url, body, headers, timeoutMs, network: partner });
      },
    };
  }
  return { undeliverable: `unknown channel kind "${kind}"` };
}

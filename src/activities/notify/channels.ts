import { workflowUiUrl, type Config } from '../../config';
import { slackNotificationMessage } from '../../chatops/notification-message';
import type { ChangeNotification } from '../../domain/notifications';
import { postJson } from './http';
import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER } from './signature';

/** Where notifications can go, built by the worker from its configuration. */
export interface NotificationDeps {
  /** Slack incoming-webhook URL by channel (`#ops`). */
  slackWebhooks: ReadonlyMap<string, string>;
  /** Generic webhooks by name; each is signed with its secret. */
  webhooks: ReadonlyMap<string, { url: string; secret?: string }>;
  /** Link to a workflow in the Temporal UI. */
  workflowUrl(workflowId: string): string;
  /** Per request; the activity's own timeout bounds all channels together. */
  timeoutMs?: number;
}

export function notificationDepsFromConfig(config: Config): NotificationDeps {
  const webhooks = new Map([...config.NOTIFY_WEBHOOK_URLS].map(([name, url]) => [name, { url, secret: config.NOTIFY_WEBHOOK_SECRETS.get(name) }]));
  return { slackWebhooks: config.SLACK_WEBHOOKS, webhooks, workflowUrl: (workflowId) => workflowUiUrl(config, workflowId) };
}

/** A channel resolves to a send, or to the reason it cannot be delivered (not configured). */
export type ChannelTarget = { send(): Promise<void> } | { undeliverable: string };

/** `slack:<channel>` → Block Kit message to the channel's incoming webhook; `webhook:<name>` → signed JSON. */
export function channelTarget(deps: NotificationDeps | undefined, channel: string, notification: ChangeNotification): ChannelTarget {
  const at = channel.indexOf(':');
  const kind = channel.slice(0, at);
  const name = channel.slice(at + 1);
  const timeoutMs = deps?.timeoutMs ?? 5000;
  const uiUrl = deps?.workflowUrl(notification.workflowId) ?? '';
  if (kind === 'slack') {
    const url = deps?.slackWebhooks.get(name) ?? deps?.slackWebhooks.get(name.startsWith('#') ? name.slice(1) : `#${name}`);
    if (!url) return { undeliverable: `no Slack webhook configured for ${name} (SLACK_WEBHOOKS)` };
    return { send: () => postJson(url, JSON.stringify(slackNotificationMessage(notification, uiUrl)), {}, timeoutMs) };
  }
  if (kind === 'webhook') {
    const hook = deps?.webhooks.get(name);
    if (!hook) return { undeliverable: `no webhook configured for ${name} (NOTIFY_WEBHOOK_URLS)` };
    if (!hook.secret) return { undeliverable: `webhook ${name} has no signing secret (NOTIFY_WEBHOOK_SECRETS); unsigned webhooks are not sent` };
    const { secret, url } = hook;
    return {
      send: () => {
        const body = JSON.stringify({ ...notification, links: { temporalUi: uiUrl } });
        const headers = { [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(secret, body), 'x-lead-rollback-event': notification.event, 'idempotency-key': notification.id };
        return postJson(url, body, headers, timeoutMs);
      },
    };
  }
  return { undeliverable: `unknown channel kind "${kind}"` };
}

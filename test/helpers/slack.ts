import { slackSignature } from '../../src/slack/signature';

/** Sends a form post to a Slack endpoint the way Slack does: raw body signed with v0 HMAC-SHA256. */
export async function slackPost(
  url: string,
  form: Record<string, string>,
  options: { secret: string; timestamp?: number; signature?: string; rawBody?: string },
): Promise<{
  status: number;
  body: Record<string, unknown> | undefined;
  rawBody: string;
  timestamp: number;
  signature: string;
}> {
  const rawBody = options.rawBody ?? new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? slackSignature(options.secret, timestamp, rawBody);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
    body: rawBody,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    rawBody,
    timestamp,
    signature,
  };
}

/** A `block_actions` payload as Slack sends it when a button is clicked. */
export function blockActionsPayload(
  userId: string,
  action: { action_id: string; value: string },
  responseUrl: string,
): Record<string, string> {
  return {
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: userId, username: userId.toLowerCase() },
      team: { id: 'T0TEST' },
      actions: [{ type: 'button', block_id: 'question', ...action, action_ts: String(Date.now() / 1000) }],
      response_url: responseUrl,
      container: { type: 'message' },
    }),
  };
}

import { ApplicationFailure } from '@temporalio/common';
import type { NetworkPolicy } from '../../domain/addresses';
import { ErrorType } from '../../domain/errors';
import { classifyStatus, excerpt, trySend } from '../../http/sender';

/**
 * POSTs a notification's JSON body through the one HTTP sender (destination rules, no redirects,
 * capped answers). A 4xx answer (other than 408 and 429) means the receiver will never take this
 * message: the failure is non-retryable. Network errors, timeouts, 408, 429 and 5xx are retried by
 * the activity's retry policy. Messages name the channel and the URL's origin only: webhook URLs
 * are secrets (Slack's carry a token in the path).
 */
export async function postNotification(
  channel: string,
  request: { url: string; body: string; headers: Record<string, string>; timeoutMs: number; network: NetworkPolicy },
): Promise<void> {
  const what = `POST ${redact(request.url)} (${channel})`;
  const result = await trySend({
    method: 'POST',
    url: request.url,
    headers: { 'content-type': 'application/json; charset=utf-8', ...request.headers },
    body: request.body,
    timeoutMs: request.timeoutMs,
    network: request.network,
    what,
    // An acknowledgement, read only to explain a refusal.
    maxResponseBytes: 4096,
  });
  if ('failure' in result) {
    const { failure } = result;
    throw failure.nonRetryable
      ? ApplicationFailure.nonRetryable(failure.message, ErrorType.NotificationUndelivered)
      : ApplicationFailure.retryable(failure.message, ErrorType.NotificationUndelivered);
  }
  const { status, text } = result.response;
  const verdict = classifyStatus(status);
  if (verdict === 'success') return;
  const message = `${what} answered ${status}${excerpt(text)}`;
  const permanent = verdict !== 'rate-limited' && verdict !== 'unavailable';
  throw permanent
    ? ApplicationFailure.nonRetryable(message, ErrorType.NotificationUndelivered)
    : ApplicationFailure.retryable(message, ErrorType.NotificationUndelivered);
}

/** Webhook URLs are secrets (Slack's carry a token in the path): only the origin goes into errors and logs. */
export function redact(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid url)';
  }
}

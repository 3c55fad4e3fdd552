import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';

/**
 * POSTs a JSON body. A 4xx answer (other than 408 and 429) means the receiver will never take this
 * message: the failure is non-retryable. Network errors, timeouts, 408, 429 and 5xx are retried by
 * the activity's retry policy.
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw ApplicationFailure.retryable(`POST ${redact(url)} failed: ${(err as Error).message}`, ErrorType.NotificationUndelivered);
  }
  // Drain the body so the connection is released; its text helps when the receiver explains a refusal.
  const text = (await response.text().catch(() => '')).slice(0, 200);
  if (response.ok) return;
  const message = `POST ${redact(url)} answered ${response.status}${text ? `: ${text}` : ''}`;
  const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
  throw permanent ? ApplicationFailure.nonRetryable(message, ErrorType.NotificationUndelivered) : ApplicationFailure.retryable(message, ErrorType.NotificationUndelivered);
}

/** Webhook URLs are secrets (Slack's carry a token in the path): only the origin goes into errors and logs. */
export function redact(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid url)';
  }
}

import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import { permanent, transient } from '../failures';

/**
 * The one place HTTP target kinds (`crm`, `webhook`) send requests and classify answers:
 * - 2xx (or whatever the caller expects) → returned;
 * - 429 → retryable `PartnerRateLimitedError`, with Temporal's `nextRetryDelay` taken from
 *   `Retry-After` (seconds or an HTTP date), so the next attempt waits exactly as long as asked;
 * - 408, 5xx, timeouts, refused or dropped connections → retryable `PartnerUnavailableError`
 *   (the activity's retry policy backs off);
 * - 401/403 → permanent `PartnerUnauthorizedError`; 404 → permanent `TargetNotFoundError`;
 *   any other 4xx (and unexpected 1xx/3xx) → permanent `PartnerRejectedError`.
 * Requests use Node's global `fetch` (undici) with a per-request `AbortSignal.timeout`, and never
 * follow redirects (a partner moving elsewhere is a configuration change, not something to chase).
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Already serialised; sent as is. */
  body?: string;
  timeoutMs: number;
  /** What the request is for, in failure messages: e.g. "CRM PATCH contacts/512". */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Longest wait we accept from a Retry-After; a partner asking for more is retried after this. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Sends one request; a timeout or connection failure becomes a retryable `PartnerUnavailableError`. */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (err) {
    throw transient(ErrorType.PartnerUnavailable, `${request.what}: ${networkReason(err, request.timeoutMs)}`);
  }
}

export type StatusClass = 'success' | 'rate-limited' | 'unavailable' | 'unauthorized' | 'not-found' | 'rejected';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'success';
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'unavailable';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  return 'rejected';
}

/**
 * The typed failure for a response the caller did not expect. Retryable ones are returned
 * retryable, permanent ones non-retryable, so the activity's retry policy does the right thing
 * even without its `nonRetryableErrorTypes`.
 */
export function failureFor(response: HttpResponse, what: string, now: number = Date.now()): ApplicationFailure {
  const message = `${what}: HTTP ${response.status}${excerpt(response.text)}`;
  const details = { status: response.status, body: response.text.slice(0, 500) };
  switch (classifyStatus(response.status)) {
    case 'rate-limited': {
      const delay = retryAfterMs(response.headers.get('retry-after'), now);
      return ApplicationFailure.create({
        type: ErrorType.PartnerRateLimited,
        message: delay === undefined ? message : `${message} (retry after ${delay} ms)`,
        nonRetryable: false,
        nextRetryDelay: delay,
        details: [details],
      });
    }
    case 'unavailable':
      return transient(ErrorType.PartnerUnavailable, message);
    case 'unauthorized':
      return permanent(ErrorType.PartnerUnauthorized, message, details);
    case 'not-found':
      return permanent(ErrorType.TargetNotFound, message, details);
    default:
      return permanent(ErrorType.PartnerRejected, message, details);
  }
}

/** Sends and returns the response if its status is one of `expected`; throws the classified failure otherwise. */
export async function sendExpecting(request: HttpRequest, expected: readonly number[]): Promise<HttpResponse> {
  const response = await sendHttp(request);
  if (!expected.includes(response.status)) throw failureFor(response, request.what);
  return response;
}

/**
 * Milliseconds to wait from a `Retry-After` value: delta-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"), clamped to [0, MAX_RETRY_AFTER_MS]. Undefined when absent
 * or unreadable (the retry policy's backoff applies then).
 */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return clamp(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return clamp(date - now);
}

/** The response body as JSON; a partner answering garbage is a rejection, not a crash. */
export function jsonBody<T>(response: HttpResponse, what: string): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw permanent(ErrorType.PartnerRejected, `${what}: HTTP ${response.status} with a body that is not JSON${excerpt(response.text)}`);
  }
}

function clamp(ms: number): number {
  return Math.min(Math.max(Math.round(ms), 0), MAX_RETRY_AFTER_MS);
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  return `: ${flat.length > 200 ? `${flat.slice(0, 200)}…` : flat}`;
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return `connection failed (${cause ?? e.message ?? String(err)})`;
}

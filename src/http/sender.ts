import type { Readable } from 'node:stream';
import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ApplicationFailure } from '@temporalio/common';
import { request as undiciRequest } from 'undici';
import type { NetworkPolicy } from '../domain/addresses';
import { ErrorType } from '../domain/errors';
import { permanent, transient } from '../domain/failures';
import { agentFor, DESTINATION_REFUSED } from './destinations';

/**
 * The one HTTP sender of the product — CRM calls, webhook steps, notification webhooks, Slack
 * incoming webhooks and chat-ops response URLs — and the one classification of its answers:
 * - 2xx (or whatever the caller expects) → returned;
 * - 429 → retryable `PartnerRateLimitedError`, with Temporal's `nextRetryDelay` taken from
 *   `Retry-After` (seconds or an HTTP date), so the next attempt waits exactly as long as asked;
 * - 408, 5xx, timeouts, refused or dropped connections → retryable `PartnerUnavailableError`
 *   (the activity's retry policy backs off);
 * - 401/403 → permanent `PartnerUnauthorizedError`; 404 → permanent `TargetNotFoundError`;
 *   any other 4xx (and unexpected 1xx/3xx) → permanent `PartnerRejectedError`.
 * Every connection goes through the destination rules of its network policy (destinations.ts),
 * redirects are never followed (a partner moving elsewhere is a configuration change, not something
 * to chase), and response bodies are read up to a cap within the request's timeout: the status is
 * always used, a longer body is truncated and its stream cancelled, so no answer can cost the
 * worker more than the cap.
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
  /** Which addresses the destination may have: the partner's entry, or OPERATOR_CONFIGURED. */
  network: NetworkPolicy;
  /** Bytes of the response body kept; default MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body was longer than the cap (or stopped arriving before the timeout): `text` is its start. */
  truncated: boolean;
}

/** The response body kept at most: enough for any JSON answer the product reads, nothing to hurt a worker. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Longest wait we accept from a Retry-After; a partner asking for more is retried after this. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * A send that did not produce an answer. `not-sent`: nothing left this process (a refused
 * destination, a DNS failure, a refused connection, a header the client will not send), so the
 * request cannot have taken effect. `uncertain`: it may have arrived (timeout, dropped connection).
 */
export type SendFailure = { failure: ApplicationFailure; delivery: 'not-sent' | 'uncertain' };

/** Sends one request; never throws: an answer, or the failure and whether anything may have arrived. */
export async function trySend(request: HttpRequest): Promise<{ response: HttpResponse } | SendFailure> {
  // A no-op unless tracing is on (src/telemetry): then a client span, child of the activity's.
  return tracer.startActiveSpan(
    request.method,
    { kind: SpanKind.CLIENT, attributes: destinationAttributes(request) },
    async (span) => {
      try {
        const result = await sendOnce(request);
        if ('failure' in result) {
          span.setAttributes({
            'error.type': result.failure.type ?? 'Error',
            'lead_rollback.delivery': result.delivery,
          });
          span.setStatus({ code: SpanStatusCode.ERROR });
        } else {
          span.setAttribute('http.response.status_code', result.response.status);
          if (result.response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return result;
      } finally {
        span.end();
      }
    },
  );
}

const tracer = trace.getTracer('lead-rollback');

/**
 * Where a request goes, as span attributes: scheme, host and port only. The path and the query
 * stay out: a webhook's URL can carry its token in either.
 */
function destinationAttributes(request: HttpRequest): Attributes {
  const attributes: Attributes = { 'http.request.method': request.method };
  if (!URL.canParse(request.url)) return attributes;
  const url = new URL(request.url);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {
    ...attributes,
    'url.scheme': url.protocol.replace(/:$/, ''),
    'server.address': url.hostname,
    'server.port': port,
  };
}

async function sendOnce(request: HttpRequest): Promise<{ response: HttpResponse } | SendFailure> {
  let answer: Awaited<ReturnType<typeof undiciRequest>>;
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    answer = await undiciRequest(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      dispatcher: agentFor(request.network),
      signal,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
  } catch (err) {
    return classifyError(err, request);
  }
  const { text, truncated } = await readCapped(answer.body, request.maxResponseBytes ?? MAX_RESPONSE_BYTES);
  return { response: { status: answer.statusCode, headers: toHeaders(answer.headers), text, truncated } };
}

/** Sends one request; a failure to get an answer is thrown (retryable unless it can never succeed). */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  const result = await trySend(request);
  if ('failure' in result) throw result.failure;
  return result.response;
}

/** Codes of errors raised before the request's first byte was written. */
const BEFORE_SENDING = new Set([
  DESTINATION_REFUSED,
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_URL',
  // TLS handshake failures: the handshake comes before the request.
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function classifyError(err: unknown, request: HttpRequest): SendFailure {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const delivery = code !== undefined && BEFORE_SENDING.has(code) ? 'not-sent' : 'uncertain';
  if (code === DESTINATION_REFUSED) {
    return {
      delivery,
      failure: permanent(ErrorType.WorkerMisconfigured, `${request.what}: destination refused: ${e.message}`),
    };
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || code === 'ERR_INVALID_URL') {
    return {
      delivery,
      failure: permanent(ErrorType.InvalidStep, `${request.what}: the request cannot be sent as built (${e.message})`),
    };
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return {
      delivery: 'uncertain',
      failure: transient(ErrorType.PartnerUnavailable, `${request.what}: no answer within ${request.timeoutMs} ms`),
    };
  }
  const reason = code ?? e.cause?.message ?? e.message ?? String(err);
  return {
    delivery,
    failure: transient(ErrorType.PartnerUnavailable, `${request.what}: connection failed (${reason})`),
  };
}

/** Reads at most `max` bytes of a body, then cancels the stream; a body that errors midway keeps what arrived. */
async function readCapped(body: Readable, max: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size + chunk.length > max) {
        chunks.push(chunk.subarray(0, max - size));
        size = max;
        truncated = true;
        break; // leaving the loop destroys the stream: the rest is never read
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    truncated = true;
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), truncated };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, item);
      } catch {
        // A header value fetch's Headers will not hold is not one the product reads.
      }
    }
  }
  return headers;
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
 * even without its `nonRetryableErrorTypes`. Only a short excerpt of the body goes into the
 * message and details: a chosen expected status must not turn a partner's answer into a channel.
 */
export function failureFor(response: HttpResponse, what: string, now: number = Date.now()): ApplicationFailure {
  const message = `${what}: HTTP ${response.status}${excerpt(response.text)}`;
  const details = { status: response.status, body: response.text.slice(0, EXCERPT_CHARS) };
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

/** The response body as JSON; a partner answering garbage (or more than the cap) is a rejection, not a crash. */
export function jsonBody<T>(response: HttpResponse, what: string): T {
  if (response.truncated)
    throw permanent(
      ErrorType.PartnerRejected,
      `${what}: HTTP ${response.status} with a body over ${MAX_RESPONSE_BYTES} bytes, which is not read`,
    );
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw permanent(
      ErrorType.PartnerRejected,
      `${what}: HTTP ${response.status} with a body that is not JSON${excerpt(response.text)}`,
    );
  }
}

function clamp(ms: number): number {
  return Math.min(Math.max(Math.round(ms), 0), MAX_RETRY_AFTER_MS);
}

/** Characters of a response body quoted in failures. */
export const EXCERPT_CHARS = 200;

export function excerpt(text: string): string {
  const flat = text
    .slice(0, EXCERPT_CHARS * 2)
    .replace(/\s+/g, ' ')
    .trim();
  if (!flat) return '';
  return `: ${flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat}`;
}

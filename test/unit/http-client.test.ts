import { ApplicationFailure } from '@temporalio/common';
import { classifyStatus, failureFor, MAX_RETRY_AFTER_MS, retryAfterMs, type HttpResponse } from '../../src/http/sender';
import { ErrorType } from '../../src/domain/errors';

const response = (status: number, headers: Record<string, string> = {}, text = ''): HttpResponse => ({
  status,
  headers: new Headers(headers),
  text,
  truncated: false,
});
const now = Date.parse('2025-03-01T12:00:00Z');

describe('HTTP answers are classified once, for every HTTP target kind', () => {
  test.each([
    [200, 'success'],
    [204, 'success'],
    [429, 'rate-limited'],
    [408, 'unavailable'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'not-found'],
    [400, 'rejected'],
    [409, 'rejected'],
    [422, 'rejected'],
    [302, 'rejected'],
  ])('given HTTP %i, when classified, then it is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });

  test('given a 429 with Retry-After in seconds, when turned into a failure, then it is retryable with nextRetryDelay from the header', () => {
    const failure = failureFor(response(429, { 'retry-after': '7' }), 'CRM PATCH', now);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ErrorType.PartnerRateLimited, nonRetryable: false, nextRetryDelay: 7000 });
  });

  test('given a 429 with Retry-After as an HTTP date, when turned into a failure, then the delay is the time until that date', () => {
    const failure = failureFor(response(429, { 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' }), 'CRM PATCH', now);
    expect(failure.nextRetryDelay).toBe(30_000);
  });

  test('given a 429 without Retry-After, when turned into a failure, then the retry policy backoff applies (no nextRetryDelay)', () => {
    const failure = failureFor(response(429), 'CRM PATCH', now);
    expect(failure).toMatchObject({ type: ErrorType.PartnerRateLimited, nonRetryable: false });
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  test('given a 503, when turned into a failure, then it is a retryable PartnerUnavailableError naming the request and status', () => {
    const failure = failureFor(response(503, {}, '{"message":"busy"}'), 'webhook forward POST http://x/y', now);
    expect(failure).toMatchObject({ type: ErrorType.PartnerUnavailable, nonRetryable: false });
    expect(failure.message).toBe('webhook forward POST http://x/y: HTTP 503: {"message":"busy"}');
  });

  test.each([
    [400, ErrorType.PartnerRejected],
    [409, ErrorType.PartnerRejected],
    [401, ErrorType.PartnerUnauthorized],
    [404, ErrorType.TargetNotFound],
  ])('given HTTP %i, when turned into a failure, then it is a non-retryable %s', (status, type) => {
    expect(failureFor(response(status), 'x', now)).toMatchObject({ type, nonRetryable: true });
  });

  test.each([
    ['0', 0],
    [' 120 ', 120_000],
    ['Sat, 01 Mar 2025 11:59:00 GMT', 0],
    ['999999', MAX_RETRY_AFTER_MS],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    [null, undefined],
  ])('given Retry-After %p, when read, then the wait is %p ms', (value, expected) => {
    expect(retryAfterMs(value, now)).toBe(expected);
  });
});

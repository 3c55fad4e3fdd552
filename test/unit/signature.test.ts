import { signRequest, verifySignature } from '../../src/activities/http/signature';

const secret = 'partner-a-secret-0123456789';
const parts = { method: 'POST', path: '/hooks/leads?x=1', idempotencyKey: 'c1/s1/forward', body: '{"a":1}' };
const t = 1_740_000_000;

describe('webhook request signatures (HMAC-SHA256)', () => {
  test('given a signed request, when verified with the same secret, then it is valid', () => {
    expect(verifySignature(secret, signRequest(secret, parts, t), parts, t + 10)).toBe('valid');
  });

  test.each([
    ['body', { ...parts, body: '{"a":2}' }],
    ['path', { ...parts, path: '/hooks/other' }],
    ['method', { ...parts, method: 'DELETE' }],
    ['idempotency key', { ...parts, idempotencyKey: 'c1/s1/compensate' }],
  ])('given a request whose %s was changed after signing, when verified, then it is a mismatch', (_, changed) => {
    expect(verifySignature(secret, signRequest(secret, parts, t), changed, t)).toBe('mismatch');
  });

  test('given another secret, when verified, then it is a mismatch', () => {
    expect(verifySignature('another-secret-0123456789', signRequest(secret, parts, t), parts, t)).toBe('mismatch');
  });

  test('given a signature older than the tolerance, when verified, then it is expired', () => {
    expect(verifySignature(secret, signRequest(secret, parts, t), parts, t + 301)).toBe('expired');
  });

  test.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['v1=abc', 'malformed'],
    [`t=${t},v1=zz`, 'malformed'],
    [`t=now,v1=${'a'.repeat(64)}`, 'malformed'],
  ])('given the header %p, when verified, then it is %s', (header, expected) => {
    expect(verifySignature(secret, header, parts, t)).toBe(expected);
  });
});

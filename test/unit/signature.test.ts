import { signedPartsOf, signRequest, verifyPartnerRequest, verifySignature } from '../../src/http/signature';

const secret = 'partner-a-secret-0123456789';
const parts = {
  method: 'POST',
  host: 'hooks.partner-a.example',
  path: '/hooks/leads?x=1',
  idempotencyKey: 'c1/s1/forward',
  body: '{"a":1}',
};
const t = 1_740_000_000;

describe('partner request signatures (v2: HMAC-SHA256 over method, host, path, timestamp, key and body)', () => {
  test('given a signed request, when verified with the same secret, then it is valid', () => {
    expect(verifySignature(secret, signRequest(secret, parts, t), parts, t + 10)).toBe('valid');
  });

  test.each([
    ['body', { ...parts, body: '{"a":2}' }],
    ['host (the signature replayed at another destination)', { ...parts, host: 'attacker.example' }],
    ['port of the host', { ...parts, host: 'hooks.partner-a.example:8443' }],
    ['path', { ...parts, path: '/hooks/other' }],
    ['query', { ...parts, path: '/hooks/leads?x=2' }],
    ['method', { ...parts, method: 'DELETE' }],
    ['idempotency key', { ...parts, idempotencyKey: 'c1/s1/compensate' }],
  ])('given a request whose %s was changed after signing, when verified, then it is a mismatch', (_, changed) => {
    expect(verifySignature(secret, signRequest(secret, parts, t), changed, t)).toBe('mismatch');
  });

  test('given a signature whose timestamp was re-dated, when verified, then it is a mismatch (the timestamp is signed)', () => {
    const header = signRequest(secret, parts, t).replace(`t=${t}`, `t=${t + 60}`);
    expect(verifySignature(secret, header, parts, t + 60)).toBe('mismatch');
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
    ['v2=abc', 'malformed'],
    [`t=${t},v2=zz`, 'malformed'],
    [`t=now,v2=${'a'.repeat(64)}`, 'malformed'],
    [`t=${t},v1=${'a'.repeat(64)}`, 'malformed'],
  ])('given the header %p, when verified, then it is %s', (header, expected) => {
    expect(verifySignature(secret, header, parts, t)).toBe(expected);
  });

  test('given a URL, when its parts are taken, then the host keeps a non-default port, drops a default one, and the path keeps its query', () => {
    expect(
      signedPartsOf({ method: 'POST', url: 'https://Hooks.Partner-A.example:443/a/b?c=1#frag', idempotencyKey: 'k' }),
    ).toEqual({ method: 'POST', host: 'hooks.partner-a.example', path: '/a/b?c=1', idempotencyKey: 'k', body: '' });
    expect(
      signedPartsOf({ method: 'POST', url: 'http://127.0.0.1:8080/x', idempotencyKey: 'k', body: 'b' }),
    ).toMatchObject({ host: '127.0.0.1:8080', body: 'b' });
  });

  test('given the helper a partner runs, when it checks a request against the URL it is known by, then a copy sent to another host fails', () => {
    const signature = signRequest(
      secret,
      signedPartsOf({
        method: 'PUT',
        url: 'https://hooks.partner-a.example/routes/1',
        idempotencyKey: 'k',
        body: '{}',
      }),
      t,
    );
    const request = {
      method: 'PUT',
      url: 'https://hooks.partner-a.example/routes/1',
      idempotencyKey: 'k',
      body: '{}',
      signature,
    };
    expect(verifyPartnerRequest(secret, request, t)).toBe('valid');
    expect(verifyPartnerRequest(secret, { ...request, url: 'https://hooks.partner-b.example/routes/1' }, t)).toBe(
      'mismatch',
    );
    expect(verifyPartnerRequest(secret, { ...request, idempotencyKey: undefined }, t)).toBe('mismatch');
  });
});

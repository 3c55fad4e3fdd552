import { partnerGuard } from '../../src/client/partner-guard';
import { changeRequestSchema } from '../../src/domain/change-request';
import { canonicalOrigin, credentialInQuery, partnerDestinationProblem, type Partner } from '../../src/domain/partners';
import { parseOrThrow } from '../../src/domain/validation';

const partnerA: Partner = {
  name: 'partner-a',
  origins: ['https://hooks.partner-a.example', 'https://eu.partner-a.example:8443'],
  secret: 'a'.repeat(16),
  allowPrivateNetwork: false,
};
const partnerB: Partner = {
  name: 'partner-b',
  origins: ['https://hooks.partner-b.example'],
  secret: 'b'.repeat(16),
  allowPrivateNetwork: false,
};
const onLoopback: Partner = {
  name: 'local',
  origins: ['http://127.0.0.1:8080'],
  secret: 'c'.repeat(16),
  allowPrivateNetwork: true,
};
const loopbackNotAllowed: Partner = { ...onLoopback, name: 'misconfigured', allowPrivateNetwork: false };

describe("partner destinations: a URL must be on its partner's origins, judged as written", () => {
  test.each([
    ['https://hooks.partner-a.example'],
    ['https://hooks.partner-a.example/'],
    ['https://hooks.partner-a.example/routes/{{changeId}}?step={{stepId}}'],
    ['https://hooks.partner-a.example?x=1'],
    ['https://hooks.partner-a.example#frag'],
    ['https://eu.partner-a.example:8443/routes'],
  ])('given %p for partner-a, then it is accepted', (url) => {
    expect(partnerDestinationProblem(url, partnerA)).toBeUndefined();
  });

  test.each([
    ["another partner's origin", 'https://hooks.partner-b.example/routes'],
    ['a host that merely starts like the origin', 'https://hooks.partner-a.example.evil.example/routes'],
    ['userinfo after the origin', 'https://hooks.partner-a.example@evil.example/routes'],
    ['another port', 'https://hooks.partner-a.example:444/routes'],
    ['the default port written out', 'https://hooks.partner-a.example:443/routes'],
    ['http instead of https', 'http://hooks.partner-a.example/routes'],
    ['the scheme without slashes', 'https:hooks.partner-a.example/routes'],
    ['one slash after the scheme', 'https:/hooks.partner-a.example/routes'],
    ['a capitalised host', 'https://Hooks.partner-a.example/routes'],
    ['a leading space', ' https://hooks.partner-a.example/routes'],
    ['a tab inside the scheme', 'ht\ttps://hooks.partner-a.example/routes'],
    ['a newline in the path', 'https://hooks.partner-a.example/ro\nutes'],
    ['a backslash after the host', 'https://hooks.partner-a.example\\@evil.example/'],
    ['a placeholder in the host', 'https://{{changeId}}.hooks.partner-a.example/routes'],
    ['the origin as a path of another host', 'https://evil.example/https://hooks.partner-a.example/'],
  ])('given %s, then it is refused', (_, url) => {
    expect(partnerDestinationProblem(url, partnerA)).toBeDefined();
  });

  test('given a loopback partner, then it is reachable only when its entry allows the private network', () => {
    expect(partnerDestinationProblem('http://127.0.0.1:8080/hooks', onLoopback)).toBeUndefined();
    expect(partnerDestinationProblem('http://127.0.0.1:8080/hooks', loopbackNotAllowed)).toMatch(
      /loopback address; only partners whose entry sets allowPrivateNetwork: true/,
    );
  });

  test.each([
    ['https://Hooks.Example.COM', 'https://hooks.example.com'],
    ['https://hooks.example.com:443', 'https://hooks.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://hooks.example.com/', 'https://hooks.example.com'],
    ['https://hooks.example.com/path', undefined],
    ['https://user@hooks.example.com', undefined],
    ['https://hooks.example.com?x=1', undefined],
    ['ftp://hooks.example.com', undefined],
    ['not a url', undefined],
  ])('given the origin %p, when made canonical, then it is %p', (text, origin) => {
    expect(canonicalOrigin(text)).toBe(origin);
  });

  test.each([
    ['https://x.example/?token=1', 'token'],
    ['https://x.example/?a=1;session_id=2', 'session_id'],
    ['https://x.example/?refresh_token=2#token=3', 'refresh_token'],
    ['https://x.example/?route=solar#token=3', undefined],
    ['https://x.example/token?route=solar', undefined],
    ['https://x.example/?keys[]=1', undefined],
    ['https://x.example/?key[]=1', 'key[]'],
  ])('given %p, when its query is read for credentials, then %p is found', (url, key) => {
    expect(credentialInQuery(url)).toBe(key);
  });
});

describe('the partner guard: a refused request starts nothing', () => {
  const guard = partnerGuard(new Map([partnerA, partnerB, onLoopback].map((p) => [p.name, p])));
  const request = (spec: Record<string, unknown>) =>
    parseOrThrow(
      changeRequestSchema,
      { title: 'Tell the partner', requestedBy: 'ops@example.com', steps: [{ id: 'notify', target: 'webhook', spec }] },
      'change request',
    );
  const forward = { method: 'POST', url: 'https://hooks.partner-a.example/routes' };
  const compensate = { method: 'DELETE', url: 'https://hooks.partner-a.example/routes/{{changeId}}' };

  test("given a step on its partner's origins, when checked, then there is nothing to refuse", async () => {
    expect(await guard.check(request({ partner: 'partner-a', forward, compensate }))).toEqual([]);
  });

  test('given an unknown partner, when checked, then spec.partner is named', async () => {
    expect(await guard.check(request({ partner: 'partner-z', forward, compensate }))).toEqual([
      { path: 'steps.0.spec.partner', message: '"partner-z" is not a configured partner (WEBHOOK_PARTNERS)' },
    ]);
  });

  test("given URLs on another partner's origin, when checked, then each URL is named: a secret never signs for another destination", async () => {
    const issues = await guard.check(request({ partner: 'partner-b', forward, compensate }));
    expect(issues.map((i) => i.path)).toEqual(['steps.0.spec.forward.url', 'steps.0.spec.compensate.url']);
    expect(issues[0]!.message).toContain(
      'must start with an origin of partner "partner-b" (https://hooks.partner-b.example)',
    );
  });
});

import { slackSignature, verifySlackRequest } from '../../src/slack/signature';

// Slack's own worked example from its "Verifying requests from Slack" guide.
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = '1531420618';
const body = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const now = Number(timestamp) + 10;

describe('Slack v0 request signatures', () => {
  test("given Slack's documented example, when signed, then the signature is Slack's", () => {
    expect(slackSignature(secret, timestamp, body)).toBe(expected);
    expect(verifySlackRequest(secret, { timestamp, signature: expected, rawBody: body }, now)).toEqual({
      ok: true,
      signature: expected,
      timestamp: Number(timestamp),
    });
  });

  test('given a changed body, another secret or a truncated signature, when verified, then it is refused as not matching', () => {
    const tampered = Buffer.concat([body, Buffer.from('&text=approve')]);
    expect(verifySlackRequest(secret, { timestamp, signature: expected, rawBody: tampered }, now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifySlackRequest('another-secret', { timestamp, signature: expected, rawBody: body }, now)).toMatchObject({
      ok: false,
    });
    expect(
      verifySlackRequest(secret, { timestamp, signature: expected.slice(0, 20), rawBody: body }, now),
    ).toMatchObject({ ok: false });
  });

  test('given timestamps 301 s in the past or future, when verified, then they are refused even with a valid signature; 300 s is accepted', () => {
    for (const skew of [-301, 301]) {
      const ts = String(Number(timestamp) + skew);
      expect(
        verifySlackRequest(
          secret,
          { timestamp: ts, signature: slackSignature(secret, ts, body), rawBody: body },
          Number(timestamp),
        ),
      ).toEqual({
        ok: false,
        reason: 'request timestamp is outside the 5-minute window',
      });
    }
    const edge = String(Number(timestamp) - 300);
    expect(
      verifySlackRequest(
        secret,
        { timestamp: edge, signature: slackSignature(secret, edge, body), rawBody: body },
        Number(timestamp),
      ).ok,
    ).toBe(true);
  });

  test('given missing or malformed headers, when verified, then they are refused', () => {
    expect(verifySlackRequest(secret, { timestamp: undefined, signature: expected, rawBody: body }, now).ok).toBe(
      false,
    );
    expect(verifySlackRequest(secret, { timestamp, signature: undefined, rawBody: body }, now).ok).toBe(false);
    expect(verifySlackRequest(secret, { timestamp: '1e9', signature: expected, rawBody: body }, now)).toEqual({
      ok: false,
      reason: 'malformed X-Slack-Request-Timestamp',
    });
  });
});

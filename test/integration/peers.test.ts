import { signedPartsOf, signRequest } from '../../src/http/signature';
import { startCrmPeer, type CrmPeer } from '../../tools/peers/crm-peer';
import { startWebhookPeer, type WebhookPeer } from '../../tools/peers/webhook-peer';

/** The peers are product code (tests, demo, crash campaign): their own contract is tested here. */
describe('CRM peer', () => {
  let crm: CrmPeer;
  const call = (method: string, path: string, body?: unknown, token = crm.token) =>
    fetch(`${crm.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeEach(async () => {
    crm = await startCrmPeer({ token: 'peer-token' });
  });

  afterEach(async () => {
    await crm.stop();
  });

  test('given a loopback start, when listening, then it is on 127.0.0.1 with a kernel-chosen port', () => {
    expect(crm.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('given no or a wrong bearer token, when calling the API, then it answers 401 in HubSpot dialect and does nothing', async () => {
    const response = await call(
      'POST',
      '/crm/v3/properties/contacts',
      { name: 'x', label: 'X', type: 'string', fieldType: 'text', groupName: 'g' },
      'wrong',
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(crm.state.property('contacts', 'x')).toBeUndefined();
    expect(crm.requests()[0]).toMatchObject({
      status: 401,
      processed: false,
      headers: { authorization: 'Bearer (redacted)' },
    });
  });

  test('given a property, when created twice, then 201 then 409 OBJECT_ALREADY_EXISTS; read back it has HubSpot defaults', async () => {
    const property = {
      name: 'lead_score_band',
      label: 'Score band',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
    };
    expect((await call('POST', '/crm/v3/properties/contacts', property)).status).toBe(201);
    const again = await call('POST', '/crm/v3/properties/contacts', property);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      status: 'error',
      category: 'OBJECT_ALREADY_EXISTS',
      correlationId: expect.any(String),
    });
    const read = await call('GET', '/crm/v3/properties/contacts/lead_score_band');
    expect(await read.json()).toMatchObject({
      ...property,
      description: '',
      options: [],
      hidden: false,
      archived: false,
    });
    expect(crm.stats().keys['k-1']).toEqual({ received: 3, processed: 3, effects: 1 });
  });

  test('given an unknown object type or an invalid value, when called, then 400 VALIDATION_ERROR', async () => {
    expect((await call('GET', '/crm/v3/properties/spaceships')).status).toBe(400);
    const id = crm.state.createRecord('contacts', {}).id;
    const bad = await call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { lifecyclestage: 'astronaut' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/astronaut was not one of the allowed options/);
  });

  test('given a record, when read with ?properties=, then asked-for unset properties are null and "" clears a value', async () => {
    const id = crm.state.createRecord('contacts', { firstname: 'Ada', phone: '555' }).id;
    await call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { phone: '' } });
    const read = await call('GET', `/crm/v3/objects/contacts/${id}?properties=firstname,phone,lastname`);
    expect(((await read.json()) as { properties: unknown }).properties).toMatchObject({
      firstname: 'Ada',
      phone: null,
      lastname: null,
      hs_object_id: id,
    });
  });

  test('given faults configured over HTTP, when requests arrive, then they are injected, counted and visible in the log over HTTP', async () => {
    const configured = await fetch(`${crm.url}/__peer/faults`, {
      method: 'POST',
      body: JSON.stringify({ error: 1, errorStatus: 502, methods: ['GET'] }),
    });
    expect(configured.status).toBe(200);
    expect((await call('GET', '/crm/v3/properties/contacts')).status).toBe(502);
    await fetch(`${crm.url}/__peer/faults/script`, {
      method: 'POST',
      body: JSON.stringify({ fault: 'rate-limit', retryAfter: '4', method: 'POST' }),
    });
    const limited = await call('POST', '/crm/v3/properties/contacts', {});
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '4']);

    const stats = (await (await fetch(`${crm.url}/__peer/stats`)).json()) as {
      faults: Record<string, number>;
      byStatus: Record<string, number>;
    };
    expect(stats).toMatchObject({ faults: { error: 1, 'rate-limit': 1 }, byStatus: { '502': 1, '429': 1 } });
    const log = (await (await fetch(`${crm.url}/__peer/requests?since=1`)).json()) as {
      requests: { seq: number; fault: string }[];
    };
    expect(log.requests.map((r) => [r.seq, r.fault])).toEqual([[2, 'rate-limit']]);
  });

  test('given an invalid fault configuration, when posted, then 400 and the old configuration stays', async () => {
    const response = await fetch(`${crm.url}/__peer/faults`, {
      method: 'POST',
      body: JSON.stringify({ error: 0.8, rateLimit: 0.8 }),
    });
    expect(response.status).toBe(400);
    expect(crm.faults.current().error).toBe(0);
  });

  test('given a slow fault and a client that gives up, when stopped, then the peer stops at once anyway', async () => {
    crm.faults.enqueue({ fault: 'slow', delayMs: 60_000 });
    const pending = call('GET', '/crm/v3/properties/contacts').catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await crm.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await pending;
    crm = await startCrmPeer();
  });
});

describe('webhook receiver', () => {
  let receiver: WebhookPeer;
  const secret = 'receiver-secret-0123456789';
  const post = (path: string, body: string, key: string, signed = true) =>
    fetch(`${receiver.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': key,
        ...(signed
          ? {
              'x-lead-rollback-signature': signRequest(
                secret,
                signedPartsOf({ method: 'POST', url: `${receiver.url}${path}`, idempotencyKey: key, body }),
              ),
            }
          : {}),
      },
      body,
    });

  beforeEach(async () => {
    receiver = await startWebhookPeer({ secret });
  });

  afterEach(async () => {
    await receiver.stop();
  });

  test('given a signed request, when received twice with the same key, then one effect and the same answer twice', async () => {
    const first = await post('/hooks/a?x=1', '{"n":1}', 'key-1');
    const second = await post('/hooks/a?x=1', '{"n":1}', 'key-1');
    expect(await second.json()).toEqual(await first.json());
    expect(receiver.state.effectsFor('key-1')).toBe(1);
    expect(receiver.requests().map((r) => [r.signature, r.replayed ?? false])).toEqual([
      ['valid', false],
      ['valid', true],
    ]);
  });

  test('given an idempotency key reused for another body, when received, then 422 and no effect', async () => {
    await post('/hooks/a', '{"n":1}', 'key-2');
    expect((await post('/hooks/a', '{"n":2}', 'key-2')).status).toBe(422);
    expect(receiver.state.deliveries()).toHaveLength(1);
  });

  test('given an unsigned, tampered or elsewhere-signed request, when received, then 401 and no effect', async () => {
    expect((await post('/hooks/a', '{"n":1}', 'key-3', false)).status).toBe(401);
    const tampered = await fetch(`${receiver.url}/hooks/a`, {
      method: 'POST',
      headers: {
        'idempotency-key': 'key-4',
        'x-lead-rollback-signature': signRequest(
          secret,
          signedPartsOf({ method: 'POST', url: `${receiver.url}/hooks/a`, idempotencyKey: 'key-4', body: '{"n":1}' }),
        ),
      },
      body: '{"n":999}',
    });
    expect(tampered.status).toBe(401);
    // Signed for another host (a signature obtained elsewhere, replayed here).
    const elsewhere = await fetch(`${receiver.url}/hooks/a`, {
      method: 'POST',
      headers: {
        'idempotency-key': 'key-6',
        'x-lead-rollback-signature': signRequest(
          secret,
          signedPartsOf({
            method: 'POST',
            url: 'https://attacker.example/hooks/a',
            idempotencyKey: 'key-6',
            body: '{"n":1}',
          }),
        ),
      },
      body: '{"n":1}',
    });
    expect(elsewhere.status).toBe(401);
    expect(receiver.requests().map((r) => r.signature)).toEqual(['missing', 'mismatch', 'mismatch']);
    expect(receiver.state.deliveries()).toEqual([]);
  });

  test('given deduplication off, when the same key arrives twice, then both take effect (to show what a careless partner does)', async () => {
    await receiver.stop();
    receiver = await startWebhookPeer({ idempotency: 'none' });
    await post('/hooks/a', '{}', 'key-5', false);
    await post('/hooks/a', '{}', 'key-5', false);
    expect(receiver.stats().keys['key-5']).toEqual({ received: 2, processed: 2, effects: 2 });
  });
});

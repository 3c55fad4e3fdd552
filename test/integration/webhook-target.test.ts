import { idempotencyKey, SendJournal } from '../../src/store/send-journal';
import { RecoveryPointStore } from '../../src/store/recovery-points';
import { createAdapterRegistry } from '../../src/activities/targets/registry';
import type { StepKey, TargetAdapter } from '../../src/domain/outcomes';
import { webhookSpecSchema, type WebhookSpec } from '../../src/domain/targets/webhook';
import { ErrorType } from '../../src/domain/errors';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { partnerMap, peerPartner } from '../../tools/peers/partner';
import { failureOf, PEER_PARTNER, startPeers, type Peers } from '../helpers/peers';
import { sameRestoreAs } from '../helpers/restores';

function routeSpec(url: string, extra: Partial<WebhookSpec> = {}): WebhookSpec {
  return webhookSpecSchema.parse({
    forward: {
      method: 'POST',
      url: `${url}/hooks/routes?change={{changeId}}&note=a%20b`,
      headers: { 'X-Partner-Route': 'solar-{{stepId}}' },
      body: { change: '{{changeId}}', step: '{{stepId}}', route: 'solar', cap: 35 },
    },
    compensate: {
      method: 'DELETE',
      url: `${url}/hooks/routes/{{changeId}}-{{stepId}}`,
      body: { undo: '{{idempotencyKey}}' },
    },
    partner: PEER_PARTNER,
    ...extra,
  });
}

describe('webhook target against a real webhook receiver', () => {
  let env: TestEnv;
  let peers: Peers;
  let webhook: TargetAdapter<WebhookSpec>;
  let key: StepKey;
  let spec: WebhookSpec;

  beforeEach(async () => {
    env = await openTestEnv();
    peers = await startPeers();
    webhook = createAdapterRegistry({ db: env.db, ...peers.deps }).webhook;
    key = { changeId: uniqueId('chg'), stepId: 'notify-partner' };
    spec = routeSpec(peers.webhook.url);
  });

  afterEach(async () => {
    await peers.stop();
    await env.close();
  });

  const forwardKey = () => idempotencyKey(key, 'forward');
  const compensateKey = () => idempotencyKey(key, 'compensate');

  test('given a reversible webhook, when snapshot → apply → verify → restore run, then the partner got the forward and the compensating request once each, signed', async () => {
    const ref = await webhook.snapshot(key, spec);
    const point = await new RecoveryPointStore(env.db).get(key, 'before-apply');
    expect(point!.state).toMatchObject({
      forward: {
        method: 'POST',
        url: `${peers.webhook.url}/hooks/routes?change=${key.changeId}&note=a%20b`,
        idempotencyKey: forwardKey(),
      },
      compensate: {
        method: 'DELETE',
        url: `${peers.webhook.url}/hooks/routes/${key.changeId}-notify-partner`,
        idempotencyKey: compensateKey(),
      },
      irreversible: false,
      partner: PEER_PARTNER,
    });
    expect(JSON.stringify(point)).not.toContain(peers.secret);

    expect(await webhook.apply(key, spec)).toMatchObject({ status: 'applied' });
    await webhook.verify(key, spec);
    expect(await webhook.restore(key, spec)).toMatchObject({ status: 'restored', recoveryPointId: ref.id });
    await webhook.verifyRestore(key, spec);

    const [forward, compensate] = peers.webhook.state.deliveries();
    expect(forward).toMatchObject({
      method: 'POST',
      idempotencyKey: forwardKey(),
      body: { change: key.changeId, step: 'notify-partner', route: 'solar', cap: 35 },
    });
    expect(compensate).toMatchObject({
      method: 'DELETE',
      idempotencyKey: compensateKey(),
      body: { undo: compensateKey() },
    });
    const log = peers.webhook.requests();
    expect(log.map((r) => [r.idempotencyKey, r.signature, r.status])).toEqual([
      [forwardKey(), 'valid', 200],
      [compensateKey(), 'valid', 200],
    ]);
    expect(log[0]!.headers['x-partner-route']).toBe('solar-notify-partner');
  });

  test('given a restored webhook, when restore runs again (a retry after the attempt that restored it died), then it sends nothing and reports the same restore', async () => {
    await webhook.snapshot(key, spec);
    await webhook.apply(key, spec);
    const first = await webhook.restore(key, spec);

    expect(await webhook.restore(key, spec)).toMatchObject(sameRestoreAs(first));
    await webhook.verifyRestore(key, spec);
    expect(peers.webhook.requests({ key: compensateKey() })).toHaveLength(1);
  });

  test('given a webhook never applied, when restored, then no compensating request is sent', async () => {
    await webhook.snapshot(key, spec);

    expect(await webhook.restore(key, spec)).toMatchObject({ status: 'not-applied' });
    await webhook.verifyRestore(key, spec);
    expect(peers.webhook.requests()).toEqual([]);
    expect((await webhook.preview(key, spec)).operations).toEqual([]);
  });

  test('given an applied webhook, when previewed, then it names the one compensating request it would send', async () => {
    await webhook.snapshot(key, spec);
    await webhook.apply(key, spec);

    expect((await webhook.preview(key, spec)).operations).toEqual([
      {
        op: 'request',
        method: 'DELETE',
        url: `${peers.webhook.url}/hooks/routes/${key.changeId}-notify-partner`,
        idempotencyKey: compensateKey(),
      },
    ]);
    expect(peers.webhook.requests({ key: compensateKey() })).toHaveLength(0);
  });

  test('given the partner changed the resource after apply (409 to the compensating request), when restored, then it is a conflict and left as is', async () => {
    await webhook.snapshot(key, spec);
    await webhook.apply(key, spec);
    peers.webhook.faults.enqueue({ fault: 'status', status: 409, method: 'DELETE' });

    const outcome = await webhook.restore(key, spec);

    expect(outcome).toMatchObject({ status: 'conflict', conflicts: { count: 1, sample: [{ now: { status: 409 } }] } });
    expect(peers.webhook.stats().keys[compensateKey()]).toEqual({ received: 1, processed: 0, effects: 0 });
    expect((await new SendJournal(env.db).get(key, 'compensate'))!.state).toBe('rejected');
  });

  test('given the partner drops the connection after taking the forward request, when apply is retried, then the partner deduplicates by key: one effect', async () => {
    await webhook.snapshot(key, spec);
    peers.webhook.faults.enqueue({ fault: 'drop', method: 'POST' });

    expect(await failureOf(webhook.apply(key, spec))).toMatchObject({
      type: ErrorType.PartnerUnavailable,
      nonRetryable: false,
    });
    expect(await webhook.apply(key, spec)).toMatchObject({ status: 'applied' });

    expect(peers.webhook.stats().keys[forwardKey()]).toEqual({ received: 2, processed: 2, effects: 1 });
    expect(peers.webhook.requests({ key: forwardKey() })[1]!.replayed).toBe(true);
    expect(await webhook.apply(key, spec)).toMatchObject({ status: 'already-applied' });
  });

  test('given a slow partner past the timeout, when applied, then it is a retryable timeout and the retry is answered from the partner idempotency cache', async () => {
    const quick = routeSpec(peers.webhook.url, { timeoutMs: 200 });
    await webhook.snapshot(key, quick);
    peers.webhook.faults.enqueue({ fault: 'slow', delayMs: 1000, method: 'POST' });

    const failure = await failureOf(webhook.apply(key, quick));
    expect(failure).toMatchObject({ type: ErrorType.PartnerUnavailable, nonRetryable: false });
    expect(failure.message).toMatch(/no answer within 200 ms/);
    expect(await webhook.apply(key, quick)).toMatchObject({ status: 'applied' });
    expect(peers.webhook.state.effectsFor(forwardKey())).toBe(1);
  });

  test('given a 503 then a 429 with Retry-After, when applied, then both are retryable, the 429 with its delay', async () => {
    await webhook.snapshot(key, spec);
    peers.webhook.faults.enqueue({ fault: 'error', status: 503 }, { fault: 'rate-limit', retryAfter: '2' });

    expect(await failureOf(webhook.apply(key, spec))).toMatchObject({
      type: ErrorType.PartnerUnavailable,
      nonRetryable: false,
    });
    expect(await failureOf(webhook.apply(key, spec))).toMatchObject({
      type: ErrorType.PartnerRateLimited,
      nextRetryDelay: 2000,
    });
    expect(await webhook.apply(key, spec)).toMatchObject({ status: 'applied' });
    expect((await new SendJournal(env.db).get(key, 'forward'))!).toMatchObject({
      state: 'delivered',
      attempts: 3,
      lastStatus: 200,
    });
  });

  test('given the partner refuses the forward request (400), when applied, then it fails fast and restore sends nothing', async () => {
    await webhook.snapshot(key, spec);
    peers.webhook.faults.enqueue({ fault: 'status', status: 400 });

    expect(await failureOf(webhook.apply(key, spec))).toMatchObject({
      type: ErrorType.PartnerRejected,
      nonRetryable: true,
    });
    expect(await webhook.restore(key, spec)).toMatchObject({ status: 'not-applied' });
    expect(peers.webhook.requests({ key: compensateKey() })).toHaveLength(0);
  });

  test('given a worker holding another secret for the partner, when applied, then the receiver refuses the signature and the step fails as PartnerUnauthorizedError', async () => {
    const wrong = createAdapterRegistry({
      db: env.db,
      partners: partnerMap(peerPartner(PEER_PARTNER, peers.webhook.url, 'not-the-partner-secret-123')),
    }).webhook;
    await wrong.snapshot(key, spec);

    expect(await failureOf(wrong.apply(key, spec))).toMatchObject({
      type: ErrorType.PartnerUnauthorized,
      nonRetryable: true,
    });
    expect(peers.webhook.requests()[0]).toMatchObject({ signature: 'mismatch', status: 401, processed: false });
    expect(peers.webhook.state.deliveries()).toEqual([]);
  });

  test('given a worker that knows the partner without its secret, when the recovery point is taken, then it fails before anything is sent: nothing goes out unsigned', async () => {
    const unsigned = createAdapterRegistry({
      db: env.db,
      partners: partnerMap({ ...peerPartner(PEER_PARTNER, peers.webhook.url, 'x'.repeat(16)), secret: undefined }),
    }).webhook;

    expect(await failureOf(unsigned.snapshot(key, spec))).toMatchObject({
      type: ErrorType.WorkerMisconfigured,
      nonRetryable: true,
      message: expect.stringContaining('no signing secret'),
    });
    expect(peers.webhook.requests()).toEqual([]);
  });

  test('given a partner the worker does not have, when the recovery point is taken, then it fails before anything is sent', async () => {
    const failure = await failureOf(webhook.snapshot(key, routeSpec(peers.webhook.url, { partner: 'partner-z' })));
    expect(failure).toMatchObject({ type: ErrorType.WorkerMisconfigured, nonRetryable: true });
    expect(failure.message).toMatch(/names partner "partner-z", which is not in this worker's WEBHOOK_PARTNERS/);
    expect(peers.webhook.requests()).toEqual([]);
  });

  test.each([
    ['another origin', (url: string) => `${url.replace('127.0.0.1', 'localhost')}/hooks/routes`],
    ['the scheme without slashes', (url: string) => `${url.replace('http://', 'http:')}/hooks/routes`],
    ['a leading space', (url: string) => ` ${url}/hooks/routes`],
    ['userinfo before the host', (url: string) => `${url.replace('http://', 'http://partner@')}/hooks/routes`],
  ])(
    'given a forward URL with %s (past validation, e.g. a request stored before partners), when the recovery point is taken, then it fails as InvalidStepError and nothing is sent',
    async (_, form) => {
      const odd = { ...spec, forward: { ...spec.forward, url: form(peers.webhook.url) } };
      expect(await failureOf(webhook.snapshot(key, odd))).toMatchObject({
        type: ErrorType.InvalidStep,
        nonRetryable: true,
      });
      expect(peers.webhook.requests()).toEqual([]);
    },
  );

  test('given a header the HTTP client will not send (past validation), when applied, then it fails as InvalidStepError journaled not-sent, and the restore sends no compensating request', async () => {
    const expectHeader = { ...spec, forward: { ...spec.forward, headers: { Expect: '100-continue' } } };
    await webhook.snapshot(key, expectHeader);

    expect(await failureOf(webhook.apply(key, expectHeader))).toMatchObject({
      type: ErrorType.InvalidStep,
      nonRetryable: true,
    });
    expect((await new SendJournal(env.db).get(key, 'forward'))!).toMatchObject({ state: 'not-sent', attempts: 1 });
    expect(await webhook.restore(key, expectHeader)).toMatchObject({
      status: 'not-applied',
      summary: expect.stringContaining('never left the worker'),
    });
    await webhook.verifyRestore(key, expectHeader);
    expect(peers.webhook.requests()).toEqual([]);
  });

  test('given the partner not listening (connection refused), when applied, then the failure is retryable, journaled not-sent, and the restore sends nothing', async () => {
    await peers.webhook.stop();
    await webhook.snapshot(key, spec);

    expect(await failureOf(webhook.apply(key, spec))).toMatchObject({
      type: ErrorType.PartnerUnavailable,
      nonRetryable: false,
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect((await new SendJournal(env.db).get(key, 'forward'))!.state).toBe('not-sent');
    expect(await webhook.restore(key, spec)).toMatchObject({ status: 'not-applied' });
    expect(await new SendJournal(env.db).get(key, 'compensate')).toBeNull();
  });

  test('given an attempt that may have arrived, when a later attempt fails before sending, then the journal stays uncertain (never downgraded) and the restore still undoes it', async () => {
    await webhook.snapshot(key, spec);
    peers.webhook.faults.enqueue({ fault: 'drop', method: 'POST' });
    expect(await failureOf(webhook.apply(key, spec))).toMatchObject({ type: ErrorType.PartnerUnavailable });
    const journal = new SendJournal(env.db);
    expect((await journal.get(key, 'forward'))!.state).toBe('uncertain');

    await journal.intent(key, 'forward', {
      target: 'webhook',
      fingerprint: 'x',
      request: { method: 'POST', url: peers.webhook.url },
    });
    await journal.failed(key, 'forward', 'not-sent', { error: 'connection refused' });

    expect((await journal.get(key, 'forward'))!).toMatchObject({ state: 'uncertain', attempts: 2 });
    expect(await webhook.restore(key, spec)).toMatchObject({ status: 'restored' });
    expect(peers.webhook.requests({ key: compensateKey() })).toHaveLength(1);
  });

  test('given an attempt that crashed after its intent, when the next attempt fails before sending, then the journal says uncertain: the crashed one may have sent', async () => {
    const journal = new SendJournal(env.db);
    const what = { target: 'webhook' as const, fingerprint: 'x', request: { method: 'POST', url: peers.webhook.url } };
    await journal.intent(key, 'forward', what);
    await journal.intent(key, 'forward', what);
    await journal.failed(key, 'forward', 'not-sent', { error: 'connection refused' });

    expect((await journal.get(key, 'forward'))!).toMatchObject({ state: 'uncertain', attempts: 2 });
  });

  test('given an irreversible webhook, when restored after apply, then it fails as IrreversibleStepError; never applied, it is a no-op', async () => {
    const oneWay = routeSpec(peers.webhook.url, { compensate: undefined, irreversible: true });
    const other = { ...key, stepId: 'not-sent' };
    await webhook.snapshot(other, oneWay);
    expect(await webhook.restore(other, oneWay)).toMatchObject({ status: 'not-applied' });

    await webhook.snapshot(key, oneWay);
    await webhook.apply(key, oneWay);
    expect(await failureOf(webhook.restore(key, oneWay))).toMatchObject({
      type: ErrorType.Irreversible,
      nonRetryable: true,
    });
    expect(peers.webhook.requests()).toHaveLength(1);
  });
});

import dns from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { failureFor, MAX_RESPONSE_BYTES, sendHttp } from '../../src/http/sender';
import { OPERATOR_CONFIGURED } from '../../src/http/destinations';
import { idempotencyKey, SendJournal } from '../../src/store/send-journal';
import { CrmApi } from '../../src/activities/targets/crm/api';
import { partnerGuard } from '../../src/client/partner-guard';
import { classifyAddress, classifyHostName } from '../../src/domain/addresses';
import { changeRequestSchema, type ChangeRequestInput } from '../../src/domain/change-request';
import { freePort } from '../../tools/devenv/ports';
import { ErrorType } from '../../src/domain/errors';
import type { Partner } from '../../src/domain/partners';
import { parseOrThrow } from '../../src/domain/validation';
import { partnerMap } from '../../tools/peers/partner';
import { startWebhookPeer, type WebhookPeer } from '../../tools/peers/webhook-peer';
import { request } from '../helpers/changes';
import { rssSampler } from '../helpers/doors';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { startReceiver } from '../helpers/http-receiver';
import { failureOf } from '../helpers/peers';

/**
 * Outbound calls at the connect-time end of the rules: a partner whose NAME resolves to a private
 * address (which validation cannot know) is refused after resolution, with nothing sent and
 * nothing to compensate; a partner answering hundreds of megabytes costs the worker no more than
 * the response cap; an answer that stops arriving keeps its status.
 */

const SECRET = 'destinations-secret-0123456789';

/**
 * A host name the machine's own resolver (getaddrinfo: /etc/hosts, then DNS) maps to loopback or
 * a private address, and that validation does not know as such. The machine's own hostname is
 * one on every Linux host and container we run on (/etc/hosts, or nss-myhostname); the others
 * are common /etc/hosts aliases. No DNS module is replaced: the worker resolves it for real.
 */
async function privateName(): Promise<{ name: string; address: string; family: number }> {
  for (const name of [os.hostname(), 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']) {
    if (classifyHostName(name) || classifyAddress(name)) continue;
    const found = await dns.lookup(name, { all: true }).catch(() => []);
    if (found.length > 0 && found.every((a) => classifyAddress(a.address)?.class === 'private'))
      return { name, ...found[0]! };
  }
  throw new Error(
    `no host name here resolves to a private address only (tried ${os.hostname()} and the usual /etc/hosts aliases)`,
  );
}

/** A partner that answers every request with `size` bytes, streamed as the client reads them. */
async function bigAnswerServer(status: number, size: number, options: { stallAfter?: number } = {}) {
  let written = 0;
  let closedEarly = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          if (options.stallAfter !== undefined && sent >= options.stallAfter) return; // stops sending, keeps the connection open
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += part.length;
          written += part.length;
          if (!res.write(part)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        if (sent < size) closedEarly += 1;
      });
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    closedEarly: () => closedEarly,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const hookStep = (partner: string, base: string): ChangeRequestInput['steps'][number] => ({
  id: 'announce',
  target: 'webhook',
  spec: {
    partner,
    forward: { method: 'POST', url: `${base}/hooks/routes`, body: { change: '{{changeId}}' } },
    compensate: { method: 'DELETE', url: `${base}/hooks/routes/{{changeId}}` },
  },
});

describe('a partner whose name resolves to a private address, through the real resolver', () => {
  let env: TestEnv;
  let peer: WebhookPeer;
  let host: Awaited<ReturnType<typeof privateName>>;
  let base: string;
  let partners: ReturnType<typeof partnerMap>;

  beforeAll(async () => {
    host = await privateName();
    const port = await freePort();
    // The peer listens where the name resolves and checks signatures against the name its partner entry uses.
    peer = await startWebhookPeer({ secret: SECRET, host: host.address, port, knownHost: `${host.name}:${port}` });
    base = `http://${host.name}:${port}`;
    const entry = (name: string, allowPrivateNetwork: boolean): Partner => ({
      name,
      origins: [base],
      secret: SECRET,
      allowPrivateNetwork,
    });
    partners = partnerMap(entry('by-name', false), entry('by-name-on-purpose', true));
    env = await openTestEnv({ guard: partnerGuard(partners) });
    await env.startWorker(undefined, { partners });
    console.log(`connect-time check: ${host.name} resolves to ${host.address} here`);
  });

  afterAll(async () => {
    await env?.close();
    await peer?.stop();
  });

  test('given a partner entry naming it without allowPrivateNetwork, when validated, then nothing is known against it (only a name)', async () => {
    const valid = parseOrThrow(changeRequestSchema, request({ steps: [hookStep('by-name', base)] }), 'change request');
    expect(await partnerGuard(partners).check(valid)).toEqual([]);
  });

  test('given a change to it, when the worker connects, then the address is refused after resolution: nothing sent, journaled not-sent, no compensating call', async () => {
    const changeId = uniqueId('rebind');
    await env.changes.start(request({ steps: [hookStep('by-name', base)] }), { changeId });
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({
      stepId: 'announce',
      type: ErrorType.WorkerMisconfigured,
      message: expect.stringContaining(`destination refused: ${host.name} resolves to ${host.address}`),
    });
    expect(report.steps.map((s) => [s.id, s.state, s.restore?.status])).toEqual([
      ['announce', 'failed', 'not-applied'],
    ]);
    const journal = new SendJournal(env.db);
    expect(await journal.get({ changeId, stepId: 'announce' }, 'forward')).toMatchObject({
      state: 'not-sent',
      attempts: 1,
    });
    expect(await journal.get({ changeId, stepId: 'announce' }, 'compensate')).toBeNull();
    expect(peer.requests()).toEqual([]);
  });

  test('given the same name in an entry with allowPrivateNetwork: true, when the change runs, then it is delivered, signed for that host', async () => {
    const changeId = uniqueId('allowed');
    await env.changes.start(request({ steps: [hookStep('by-name-on-purpose', base)] }), { changeId });
    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    expect(
      peer
        .requests({ key: idempotencyKey({ changeId, stepId: 'announce' }, 'forward') })
        .map((r) => [r.headers.host, r.signature, r.status]),
    ).toEqual([[new URL(base).host, 'valid', 200]]);
  });
});

describe('partners answering far more than anyone reads', () => {
  const HUGE = 200 * 1024 * 1024;
  let env: TestEnv;

  beforeAll(async () => {
    env = await openTestEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  test('given a partner answering 200 with a 200 MB body, when the change runs on the worker, then the step is applied, the body is cut at the cap and the worker stays small', async () => {
    const big = await bigAnswerServer(200, HUGE);
    const partners = partnerMap({ name: 'chatty', origins: [big.url], secret: SECRET, allowPrivateNetwork: true });
    const worker = await env.startWorker(undefined, { partners });
    try {
      const rss = rssSampler();
      const started = performance.now();
      const changeId = uniqueId('huge');
      await env.changes.start(request({ steps: [hookStep('chatty', big.url)] }), { changeId });
      const report = await env.changes.result(changeId);
      const memory = rss.stop();
      const ms = performance.now() - started;

      expect(report.phase).toBe('completed');
      expect(report.steps[0]).toMatchObject({ state: 'applied' });
      expect(await new SendJournal(env.db).get({ changeId, stepId: 'announce' }, 'forward')).toMatchObject({
        state: 'delivered',
        lastStatus: 200,
      });
      // The stream was cancelled: the partner could not write anywhere near the whole answer.
      expect(big.written()).toBeLessThan(HUGE / 4);
      expect(big.closedEarly()).toBe(1);
      console.log(
        `200 MB answer: partner wrote ${(big.written() / 2 ** 20).toFixed(1)} MiB before the worker hung up; RSS ${memory.startMiB} → peak ${memory.peakMiB} MiB (+${memory.growthMiB} MiB); change ${ms.toFixed(0)} ms`,
      );
      expect(memory.growthMiB).toBeLessThan(100);
    } finally {
      await worker.stop();
      await big.close();
    }
  });

  test('given a CRM answering a property read with 200 MB, when read, then it is a PartnerRejectedError naming the cap, without reading it', async () => {
    const big = await bigAnswerServer(200, HUGE);
    try {
      const rss = rssSampler();
      const failure = await failureOf(
        new CrmApi({ baseUrl: big.url, token: 'crm-token', timeoutMs: 10_000 }).getProperty('contacts', 'lead_tier'),
      );
      const memory = rss.stop();

      expect(failure).toMatchObject({
        type: ErrorType.PartnerRejected,
        nonRetryable: true,
        message: `CRM read property contacts.lead_tier: HTTP 200 with a body over ${MAX_RESPONSE_BYTES} bytes, which is not read`,
      });
      expect(big.written()).toBeLessThan(HUGE / 4);
      console.log(`200 MB CRM answer: RSS +${memory.growthMiB} MiB`);
      expect(memory.growthMiB).toBeLessThan(100);
    } finally {
      await big.close();
    }
  });

  test('given a refusal (400) with a 200 MB body, when sent, then the failure quotes at most a short excerpt', async () => {
    const big = await bigAnswerServer(400, HUGE);
    try {
      const response = await sendHttp({
        method: 'POST',
        url: `${big.url}/x`,
        body: '{}',
        timeoutMs: 10_000,
        what: 'probe',
        network: OPERATOR_CONFIGURED,
      });
      expect(response).toMatchObject({ status: 400, truncated: true });
      expect(response.text.length).toBe(MAX_RESPONSE_BYTES);
      const failure = failureFor(response, 'probe');
      expect(failure).toMatchObject({ type: ErrorType.PartnerRejected, nonRetryable: true });
      expect(failure.message.length).toBeLessThan(250);
      expect((failure.details?.[0] as { body: string }).body).toHaveLength(200);
    } finally {
      await big.close();
    }
  });

  test('given a partner redirecting to another host, when the change runs, then the redirect is not followed: the step fails as refused and the other host gets nothing', async () => {
    const elsewhere = await startReceiver();
    const redirecting = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(307, { location: `${elsewhere.url}/stolen` }).end());
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    const worker = await env.startWorker(undefined, {
      partners: partnerMap({ name: 'mover', origins: [url], secret: SECRET, allowPrivateNetwork: true }),
    });
    try {
      const changeId = uniqueId('redirect');
      await env.changes.start(request({ steps: [hookStep('mover', url)] }), { changeId });
      const report = await env.changes.result(changeId);

      expect(report.cause).toMatchObject({
        stepId: 'announce',
        type: ErrorType.PartnerRejected,
        message: expect.stringContaining('HTTP 307'),
      });
      expect(report.steps.map((s) => [s.state, s.restore?.status])).toEqual([['failed', 'not-applied']]);
      expect(elsewhere.received).toEqual([]);
    } finally {
      await worker.stop();
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await elsewhere.close();
    }
  });

  test('given an answer whose body stops arriving, when the timeout passes, then the status is still used and the body is what arrived', async () => {
    const slow = await bigAnswerServer(202, 10 * 1024 * 1024, { stallAfter: 64 * 1024 });
    try {
      const response = await sendHttp({
        method: 'POST',
        url: `${slow.url}/x`,
        body: '{}',
        timeoutMs: 500,
        what: 'probe',
        network: OPERATOR_CONFIGURED,
      });
      expect(response).toMatchObject({ status: 202, truncated: true });
      expect(response.text.length).toBe(64 * 1024);
    } finally {
      await slow.close();
    }
  });
});

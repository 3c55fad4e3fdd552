import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { payloadToJson } from '../../src/codec-server/payload-json';
import { startCodecServer, type RunningCodecServer } from '../../src/codec-server/server';
import { ensureTemporalCli } from '../../tools/devenv/tools';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { encodingOf, carriesData, payloadsIn } from '../helpers/history-leaks';
import { ENV, requiredEnv } from '../setup/services';

const run = promisify(execFile);

const uiOrigin = 'http://127.0.0.1:18233';
const token = randomBytes(24).toString('base64url');
const lead = { email: 'maria.lindqvist@example.com', phone: '+46 70 555 0199' };

describe('codec server over real HTTP (Temporal codec-server protocol)', () => {
  let env: TestEnv;
  let codec: PayloadCodec;
  let server: RunningCodecServer;

  beforeAll(async () => {
    env = await openTestEnv();
    codec = env.dataConverter.payloadCodecs![0]!;
    server = await startCodecServer({ codec, corsOrigins: [uiOrigin], namespaces: ['default'], tokens: [token] });
  });

  afterAll(async () => {
    await server.stop();
    await env.close();
  });

  function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-namespace': 'default',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function encrypted(value: unknown): Promise<Payload> {
    const [payload] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
    return payload!;
  }

  test('given payloads the workers encrypted, when POST /decode, then the plain payloads come back, uncacheable', async () => {
    const response = await post('/decode', {
      payloads: [payloadToJson(await encrypted(lead)), payloadToJson(await encrypted('second'))],
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(payloads).toHaveLength(2);
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual(lead);
    expect(JSON.parse(Buffer.from(payloads[1]!.data, 'base64').toString())).toBe('second');
  });

  test('given a plain payload, when POST /encode then /decode (as the UI does to start a workflow), then it round-trips and the encoded one is ciphertext', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload(lead));
    const encoded = (await (await post('/encode', { payloads: [plain] })).json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };

    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').includes(Buffer.from(lead.email))).toBe(false);
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: unknown[] };
    expect(decoded.payloads).toEqual([plain]);
  });

  test('given the CLI endpoint template {namespace}, when POST /default/decode, then only the last path segment counts', async () => {
    const response = await post('/default/decode', { payloads: [payloadToJson(await encrypted('via prefix'))] });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { payloads: unknown[] }).payloads).toHaveLength(1);
  });

  test('given a CORS preflight from the UI origin, then it is allowed with the headers the UI sends', async () => {
    const response = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')?.split(/,\s*/).sort()).toEqual([
      'authorization',
      'content-type',
      'x-namespace',
    ]);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  test('given a CORS preflight or a POST from another origin, then it is refused with 403 and no CORS grant', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    const postFromOther = await post('/decode', { payloads: [] }, { origin: 'http://127.0.0.1:18234' });

    for (const response of [preflight, postFromOther]) {
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(((await preflight.json()) as { error: string }).error).toMatch(
      /origin https:\/\/evil.example.com is not allowed/,
    );
  });

  test('given a POST from the UI origin, then it carries the CORS grant with or without a valid token (so the UI can show a 401)', async () => {
    const ok = await post('/decode', { payloads: [] }, { origin: uiOrigin });
    const refused = await post('/decode', { payloads: [] }, { origin: uiOrigin, authorization: 'Bearer wrong' });

    expect(ok.status).toBe(200);
    expect(refused.status).toBe(401);
    for (const response of [ok, refused]) expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
  });

  test('given no tokens, when started on loopback with the opt-out, then it serves without Authorization; on another interface it refuses to start', async () => {
    const open = await startCodecServer({
      codec,
      corsOrigins: [uiOrigin],
      namespaces: '*',
      allowUnauthenticated: true,
    });
    try {
      const response = await fetch(`${open.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'any' },
        body: JSON.stringify({ payloads: [payloadToJson(await encrypted('open'))] }),
      });
      expect(response.status).toBe(200);
    } finally {
      await open.stop();
    }
    await expect(
      startCodecServer({
        codec,
        corsOrigins: [uiOrigin],
        namespaces: '*',
        allowUnauthenticated: true,
        host: '0.0.0.0',
      }),
    ).rejects.toThrow(/only bind a loopback/);
    await expect(startCodecServer({ codec, corsOrigins: [uiOrigin], namespaces: '*' })).rejects.toThrow(
      /needs bearer tokens/,
    );
  });

  test.each([
    ['no Authorization header', 401, { authorization: '' }, /Authorization: Bearer <token> header is required/],
    ['a Basic credential', 401, { authorization: 'Basic dXNlcjpwYXNz' }, /must be "Bearer <token>"/],
    ['a wrong token', 401, { authorization: `Bearer ${token}x` }, /bearer token is not accepted/],
    ['a namespace not served', 403, { 'x-namespace': 'payments' }, /namespace payments is not served here/],
    ['no X-Namespace header', 400, { 'x-namespace': '' }, /X-Namespace header is required/],
  ])(
    'given %s, when POST /decode, then %i and nothing is decoded',
    async (_name, status, headers: Record<string, string>, message) => {
      const payload = payloadToJson(await encrypted(lead));
      const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
      const response = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(headers.authorization === undefined ? { authorization: `Bearer ${token}` } : {}),
          ...(headers['x-namespace'] === undefined ? { 'x-namespace': 'default' } : {}),
          ...sent,
        },
        body: JSON.stringify({ payloads: [payload] }),
      });

      expect(response.status).toBe(status);
      const text = await response.text();
      expect(JSON.parse(text).error).toMatch(message);
      expect(text).not.toContain(lead.email);
      if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    },
  );

  test.each([
    [
      'a payload whose data is not base64',
      { payloads: [{ metadata: {}, data: 'not base64!' }] },
      /payloads\.0\.data: must be base64/,
    ],
    ['a body without payloads', { items: [] }, /payloads: /],
    ['payloads that are not a list', { payloads: { data: '' } }, /payloads: /],
    [
      'a metadata value that is not a string',
      { payloads: [{ metadata: { encoding: 7 } }] },
      /payloads\.0\.metadata\.encoding/,
    ],
    ['a body that is not JSON', '{"payloads": [', /JSON/],
  ])('given %s, when POST /decode, then 400 names the field', async (_name, body, message) => {
    const response = await post('/decode', body);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  test('given a tampered payload and one under an unknown key, when POST /decode, then 400 names each payload and returns no ciphertext as data', async () => {
    const good = payloadToJson(await encrypted(lead));
    const data = Buffer.from(good.data!, 'base64');
    data[30] = data[30]! ^ 0xff;
    const tampered = { ...good, data: data.toString('base64') };
    const unknownKey = {
      ...good,
      metadata: { ...good.metadata, 'encryption-key-id': Buffer.from('k1999').toString('base64') },
    };

    const first = await post('/decode', { payloads: [good, tampered] });
    const second = await post('/decode', { payloads: [unknownKey] });

    expect(first.status).toBe(400);
    expect(((await first.json()) as { error: string }).error).toMatch(
      /^payloads\.1: cannot decode: .*failed authentication/,
    );
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: string }).error).toMatch(
      /^payloads\.0: cannot decode: .*"k1999", which is not configured/,
    );
  });

  test('given an unknown operation, when POST /compress, then 404', async () => {
    expect((await post('/compress', { payloads: [] })).status).toBe(404);
  });

  test('given an encrypted change, when the temporal CLI shows it through the codec server, then it reads decoded payloads (and without the codec only ciphertext)', async () => {
    const flowId = uniqueId('cli');
    await seedFlows(env.db, [flowId]);
    await env.startWorker();
    const changeId = uniqueId('cli');
    const title = `Assign lead ${lead.email} ${lead.phone}`;
    await env.changes.start(
      {
        title,
        requestedBy: 'ops@example.com',
        steps: [
          {
            id: 'owner',
            target: 'flow-config',
            spec: { flowId, patch: [{ op: 'add', path: '/owner', value: lead.email }] },
          },
        ],
      },
      { changeId },
    );
    await env.changes.result(changeId);
    const cli = ensureTemporalCli();
    const show = [
      'workflow',
      'show',
      '--address',
      requiredEnv(ENV.temporalAddress),
      '--namespace',
      'default',
      '-w',
      changeWorkflowId(changeId),
      '--output',
      'json',
    ];

    const withCodec = await run(cli, [
      ...show,
      '--codec-endpoint',
      `${server.url}/{namespace}`,
      '--codec-auth',
      `Bearer ${token}`,
    ]);
    const withoutCodec = await run(cli, show);

    // proto3 JSON output: payload data stays base64, decoded or not.
    const texts = (stdout: string) =>
      payloadsIn(stdout)
        .filter(carriesData)
        .map((p) => ({ encoding: encodingOf(p.payload), text: Buffer.from(p.payload.data ?? []).toString() }));
    const decoded = texts(withCodec.stdout);
    expect(decoded.length).toBeGreaterThan(5);
    expect(decoded.every((p) => p.encoding !== 'binary/encrypted')).toBe(true);
    expect(decoded.map((p) => p.text).join('\n')).toContain(lead.email);
    expect(texts(withoutCodec.stdout).every((p) => p.encoding === 'binary/encrypted')).toBe(true);
  });
});

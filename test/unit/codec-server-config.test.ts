import { loadCodecServerConfig } from '../../src/codec-server/config';
import { payloadFromJson, payloadsBodySchema, payloadToJson } from '../../src/codec-server/payload-json';
import { isLoopbackHost } from '../../src/codec-server/server';
import { ValidationError } from '../../src/domain/validation';

const token = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';

function refusal(env: NodeJS.ProcessEnv): ValidationError {
  try {
    loadCodecServerConfig(env);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('codec server configuration from the environment', () => {
  test('given tokens only, when loaded, then it binds loopback, allows the dev UI origins and serves TEMPORAL_NAMESPACE', () => {
    expect(loadCodecServerConfig({ CODEC_SERVER_TOKENS: token, TEMPORAL_NAMESPACE: 'ops' })).toEqual({
      host: '127.0.0.1',
      port: 8888,
      corsOrigins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
      tokens: [token],
      allowUnauthenticated: false,
      namespaces: ['ops'],
    });
  });

  test('given lists with spaces and a "*" namespace, when loaded, then they are split and "*" serves any namespace', () => {
    const config = loadCodecServerConfig({
      CODEC_SERVER_TOKENS: `${token}, ${token}x`,
      CODEC_CORS_ORIGINS: 'https://ui.example.com, http://localhost:8080',
      CODEC_NAMESPACES: 'a,*',
      CODEC_SERVER_PORT: '0',
    });

    expect(config).toMatchObject({
      tokens: [token, `${token}x`],
      corsOrigins: ['https://ui.example.com', 'http://localhost:8080'],
      namespaces: '*',
      port: 0,
    });
  });

  test.each([
    ['no token and no opt-out', {}, 'CODEC_SERVER_TOKENS', /is required/],
    ['a short token', { CODEC_SERVER_TOKENS: 'abc' }, 'CODEC_SERVER_TOKENS', /token 1 must be 24-512 characters/],
    [
      'an origin with a path',
      { CODEC_SERVER_TOKENS: token, CODEC_CORS_ORIGINS: 'https://ui.example.com/' },
      'CODEC_CORS_ORIGINS',
      /is not an origin/,
    ],
    [
      'a wildcard origin',
      { CODEC_SERVER_TOKENS: token, CODEC_CORS_ORIGINS: '*' },
      'CODEC_CORS_ORIGINS',
      /is not an origin/,
    ],
    [
      'a non-http origin',
      { CODEC_SERVER_TOKENS: token, CODEC_CORS_ORIGINS: 'file://x' },
      'CODEC_CORS_ORIGINS',
      /is not an origin/,
    ],
    ['a port out of range', { CODEC_SERVER_TOKENS: token, CODEC_SERVER_PORT: '70000' }, 'CODEC_SERVER_PORT', /./],
    [
      'no auth on a public interface',
      { CODEC_SERVER_ALLOW_UNAUTHENTICATED: 'true', CODEC_SERVER_HOST: '0.0.0.0' },
      'CODEC_SERVER_ALLOW_UNAUTHENTICATED',
      /only allowed on a loopback/,
    ],
  ])('given %s, when loaded, then a ValidationError names %s', (_name, env, variable, message) => {
    const error = refusal(env);

    expect(error.issues.map((i) => i.path)).toContain(variable);
    expect(error.message).toMatch(message);
  });

  test('given no token but the loopback opt-out, when loaded, then it serves without auth', () => {
    expect(loadCodecServerConfig({ CODEC_SERVER_ALLOW_UNAUTHENTICATED: 'true' })).toMatchObject({
      tokens: [],
      allowUnauthenticated: true,
    });
  });

  test('given hosts, when checked for loopback, then only 127.0.0.0/8, ::1 and localhost count', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

describe('codec-server payload JSON (proto3 JSON: bytes as base64)', () => {
  test('given a payload, when written as JSON and read back, then metadata and data are the same bytes', () => {
    const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"a":1}') };
    const json = payloadToJson(payload);

    expect(json).toEqual({ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'eyJhIjoxfQ==' });
    const back = payloadFromJson(payloadsBodySchema.parse({ payloads: [json] }).payloads[0]!);
    expect(Buffer.from(back.data!).toString()).toBe('{"a":1}');
    expect(Buffer.from(back.metadata!.encoding!).toString()).toBe('json/plain');
  });

  test('given URL-safe base64 without padding, when read, then it decodes like standard base64', () => {
    const back = payloadFromJson({ metadata: {}, data: '-_8' });
    expect([...back.data!]).toEqual([0xfb, 0xff]);
  });

  test.each([
    [{}, 'payloads'],
    [{ payloads: 'x' }, 'payloads'],
    [{ payloads: [{ data: 'not base64!' }] }, 'payloads.0.data'],
    [{ payloads: [{ metadata: { encoding: 5 } }] }, 'payloads.0.metadata.encoding'],
    [{ payloads: [{ data: 'abcde' }] }, 'payloads.0.data'],
  ])('given body %j, when validated, then the issue names %s', (body, path) => {
    const result = payloadsBodySchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

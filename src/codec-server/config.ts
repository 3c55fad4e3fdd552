import { z } from 'zod';
import { parseOrThrow } from '../domain/validation';
import { plainEnv } from '../domain/safe-keys';
import { isLoopbackHost } from './server';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const originList = z.string().transform((value, ctx) => {
  const origins = list(value);
  if (origins.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no origin' });
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      ctx.addIssue({
        code: 'custom',
        message: `"${origin.slice(0, 100)}" is not an origin like https://temporal-ui.example.com or http://localhost:8233 (no path, no trailing slash, no "*")`,
      });
    }
  }
  return origins;
});

// token68 (RFC 7235); long enough not to be guessed.
const TOKEN = /^[A-Za-z0-9\-._~+/]{24,512}=*$/;

const tokenList = z.string().transform((value, ctx) => {
  const tokens = list(value);
  if (tokens.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no token' });
  tokens.forEach((token, index) => {
    if (!TOKEN.test(token))
      ctx.addIssue({
        code: 'custom',
        message: `token ${index + 1} must be 24-512 characters of A-Z a-z 0-9 - . _ ~ + / (e.g. openssl rand -base64 32)`,
      });
  });
  return tokens;
});

const namespaceList = z.string().transform((value, ctx): string[] | '*' => {
  const namespaces = list(value);
  if (namespaces.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no namespace' });
  return namespaces.includes('*') ? '*' : namespaces;
});

const codecServerEnvSchema = z
  .object({
    CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
    CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
    /** Browser origins (the Temporal Web UI) allowed to call the codec server. */
    CODEC_CORS_ORIGINS: originList.default(['http://localhost:8233', 'http://127.0.0.1:8233']),
    /** Bearer tokens accepted in `Authorization`. */
    CODEC_SERVER_TOKENS: tokenList.optional(),
    /** Serve without tokens: only on a loopback host (local development, the demo). */
    CODEC_SERVER_ALLOW_UNAUTHENTICATED: flag.default(false),
    /** Namespaces served (`X-Namespace`); default: TEMPORAL_NAMESPACE. `*` serves any. */
    CODEC_NAMESPACES: namespaceList.optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  })
  .superRefine((env, ctx) => {
    if (!env.CODEC_SERVER_TOKENS && !env.CODEC_SERVER_ALLOW_UNAUTHENTICATED) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_SERVER_TOKENS'],
        message:
          'is required: the bearer tokens allowed to decode payloads (or CODEC_SERVER_ALLOW_UNAUTHENTICATED=true on a loopback host)',
      });
    }
    if (!env.CODEC_SERVER_TOKENS && env.CODEC_SERVER_ALLOW_UNAUTHENTICATED && !isLoopbackHost(env.CODEC_SERVER_HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_SERVER_ALLOW_UNAUTHENTICATED'],
        message: `is only allowed on a loopback CODEC_SERVER_HOST, not ${env.CODEC_SERVER_HOST}: set CODEC_SERVER_TOKENS`,
      });
    }
  });

export interface CodecServerConfig {
  host: string;
  port: number;
  corsOrigins: string[];
  tokens: string[];
  allowUnauthenticated: boolean;
  namespaces: string[] | '*';
}

export const codecServerEnvNames = Object.keys(codecServerEnvSchema.shape);

/** Reads the codec server's settings; a bad value is refused with a ValidationError naming it. */
export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const parsed = parseOrThrow(
    codecServerEnvSchema,
    plainEnv(env),
    'codec server configuration (environment variables)',
  );
  return {
    host: parsed.CODEC_SERVER_HOST,
    port: parsed.CODEC_SERVER_PORT,
    corsOrigins: parsed.CODEC_CORS_ORIGINS,
    tokens: parsed.CODEC_SERVER_TOKENS ?? [],
    allowUnauthenticated: parsed.CODEC_SERVER_ALLOW_UNAUTHENTICATED,
    namespaces: parsed.CODEC_NAMESPACES ?? [parsed.TEMPORAL_NAMESPACE],
  };
}

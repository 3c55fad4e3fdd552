import { z } from 'zod';
import { apiTokensSchema, slackUsersSchema } from '../auth/identity';
import { configSchema } from './index';
import { parseOrThrow } from '../domain/validation';
import { plainEnv } from '../domain/safe-keys';

/**
 * The API server's environment: everything the client needs (src/config/index.ts) plus listening,
 * identities and chat ops. Token and secret values never appear in errors or logs.
 */
/** Compose files pass unset variables as empty strings (`${X:-}`): those mean "not set". */
const unsetIfEmpty = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema);

export const apiConfigSchema = configSchema
  .extend({
    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** JSON array of `{ "token" | "tokenSha256", "actor", "roles": [...], "groups": [...] }`. */
    API_TOKENS: unsetIfEmpty(apiTokensSchema.default(new Map())),
    /** Requests per caller (a known token, else an address) per minute on /v1 and /slack. */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Slack app's signing secret; without it the /slack routes are not mounted. */
    SLACK_SIGNING_SECRET: unsetIfEmpty(z.string().min(16).optional()),
    /** JSON array of `{ "slackUserId", "actor", "roles": [...], "groups": [...] }`. */
    SLACK_USERS: unsetIfEmpty(slackUsersSchema.default(new Map())),
    /** Origins the interactions endpoint may post outcomes to (Slack's `response_url`). */
    SLACK_RESPONSE_URL_ORIGINS: z
      .string()
      .transform((text) => text.split(/[\s,]+/).filter(Boolean))
      .pipe(z.array(z.url({ protocol: /^https?$/ })))
      .default(['https://hooks.slack.com']),
    /** How long chat ops wait for a decision's outcome before answering "not confirmed yet" (Slack allows 3 s). */
    SLACK_RESPONSE_TIMEOUT_MS: z.coerce.number().int().min(100).max(2900).default(2500),
  })
  .refine((config) => config.METRICS_PORT === undefined || config.METRICS_PORT !== config.API_PORT, {
    path: ['METRICS_PORT'],
    message: 'must differ from API_PORT: metrics are served on a listener of their own',
  });

export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseOrThrow(apiConfigSchema, plainEnv(env), 'API configuration (environment variables)');
}

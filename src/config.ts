import { z } from 'zod';
import { notificationSettingsSchema } from './activities/notify/settings';
import { parseOrThrow } from './domain/validation';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Environment variables the worker, client and demo read; parsed, never trusted raw. */
export const configSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('lead-rollback'),
  /** Temporal Cloud API key; implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: flag.optional(),
  /** mTLS client certificate and key (PEM files), e.g. for Temporal Cloud with certificates. */
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  /** Base URL of the Temporal Web UI, for links in reports and messages. */
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, "_" or "-"').default('lead_rollback'),
  /** Where notifications go: SLACK_WEBHOOKS, WEBHOOK_URLS, WEBHOOK_SECRETS. */
  ...notificationSettingsSchema,
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseOrThrow(configSchema, env, 'configuration (environment variables)');
}

/** Link to a workflow in the Temporal Web UI. */
export function workflowUiUrl(config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>, workflowId: string): string {
  return `${config.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}

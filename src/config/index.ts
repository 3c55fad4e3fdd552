import { z } from 'zod';
import { partnerSettingsSchema } from './partners';
import { notificationSettingsSchema } from './notifications';
import { checkFloorSettings, policyFloorSettingsSchema } from './policy-floor';
import { redactionSettingsSchema } from './redaction';
import { targetSettingsSchema } from './target-collections';
import { parseOrThrow } from '../domain/validation';
import { plainEnv } from '../domain/safe-keys';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Environment variables the worker, client and demo read; parsed, never trusted raw. */
export const configSchema = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('lead-rollback'),
    /**
     * Worker Versioning: the worker deployment this worker belongs to and its build. Set both and
     * every change stays on the build that started it (pinned) while new changes go to the
     * deployment's current build (docs/operating.md, "Upgrade workers while changes wait").
     */
    TEMPORAL_DEPLOYMENT_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be 1-255 letters, digits, "_" or "-"')
      .optional(),
    TEMPORAL_BUILD_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be 1-255 letters, digits, ".", "_" or "-"')
      .optional(),
    /** What this worker process runs: both (default), only workflow tasks, or only activities (scaled apart). */
    WORKER_ROLE: z.enum(['all', 'workflows', 'activities']).default('all'),
    /** Temporal Cloud API key; implies TLS. */
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_TLS: flag.optional(),
    /** mTLS client certificate and key (PEM files), e.g. for Temporal Cloud with certificates. */
    TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
    /** Base URL of the Temporal Web UI, for links in reports and messages. */
    TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
    MONGODB_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, "_" or "-"')
      .default('lead_rollback'),
    /** Base URL of the HubSpot-compatible CRM for `crm` steps, e.g. https://api.hubapi.com. */
    CRM_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    /** Bearer token for the CRM (a private-app or OAuth access token). */
    CRM_TOKEN: z.string().min(1).optional(),
    /** Per-request timeout for CRM calls, in milliseconds. */
    CRM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Prometheus HTTP API base URL for triggers with `source: prometheus`. */
    PROMETHEUS_URL: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    /** Bearer token for the Prometheus API, when it needs one. */
    PROMETHEUS_TOKEN: z.string().min(1).optional(),
    /** Where this process serves `GET /metrics` for Prometheus (docs/metrics.md); without METRICS_PORT, nowhere. */
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** The partners webhook steps and notification webhooks may call: WEBHOOK_PARTNERS, WEBHOOK_PARTNERS_FILE, REHEARSAL_WEBHOOK_PARTNERS. */
    ...partnerSettingsSchema,
    /** Where notifications go: SLACK_WEBHOOKS, NOTIFY_WEBHOOK_URLS, NOTIFY_WEBHOOK_SECRETS. */
    ...notificationSettingsSchema,
    /** Collections steps may target, per kind (TARGET_COLLECTIONS); unset: any collection that is not reserved. */
    ...targetSettingsSchema,
    /** Lead fields never kept in plain text in reports, conflicts and previews (REDACTED_LEAD_FIELDS). */
    ...redactionSettingsSchema,
    /** The operator's policy floor: POLICY_FLOOR (JSON) or POLICY_FLOOR_FILE (JSON or YAML). */
    ...policyFloorSettingsSchema,
    /** Days a finished change's recovery points are kept (for rolling it back later); `purge-recovery-points` deletes older ones. */
    RECOVERY_POINT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
    /** The sandbox database rehearsals copy documents into; default `<MONGODB_DB>_rehearsal`. */
    REHEARSAL_MONGODB_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, "_" or "-"')
      .optional(),
    /** A sandbox CRM for rehearsing `crm` steps; without it they are reported "not rehearsed". */
    REHEARSAL_CRM_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    REHEARSAL_CRM_TOKEN: z.string().min(1).optional(),
    /** Most documents a rehearsal copies for one lead selection; a larger selection refuses the rehearsal before anything is copied. */
    REHEARSAL_MAX_LEADS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  })
  .superRefine((config, ctx) => {
    checkFloorSettings(config, ctx);
    if (config.TEMPORAL_DEPLOYMENT_NAME && !config.TEMPORAL_BUILD_ID)
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_BUILD_ID'],
        message: 'is required when TEMPORAL_DEPLOYMENT_NAME is set',
      });
    if (config.TEMPORAL_BUILD_ID && !config.TEMPORAL_DEPLOYMENT_NAME)
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_DEPLOYMENT_NAME'],
        message: 'is required when TEMPORAL_BUILD_ID is set',
      });
    if (config.CRM_BASE_URL && !config.CRM_TOKEN)
      ctx.addIssue({ code: 'custom', path: ['CRM_TOKEN'], message: 'is required when CRM_BASE_URL is set' });
    if (config.CRM_TOKEN && !config.CRM_BASE_URL)
      ctx.addIssue({ code: 'custom', path: ['CRM_BASE_URL'], message: 'is required when CRM_TOKEN is set' });
    if (config.REHEARSAL_CRM_BASE_URL && !config.REHEARSAL_CRM_TOKEN)
      ctx.addIssue({
        code: 'custom',
        path: ['REHEARSAL_CRM_TOKEN'],
        message: 'is required when REHEARSAL_CRM_BASE_URL is set',
      });
    if (config.REHEARSAL_CRM_TOKEN && !config.REHEARSAL_CRM_BASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['REHEARSAL_CRM_BASE_URL'],
        message: 'is required when REHEARSAL_CRM_TOKEN is set',
      });
    const rehearsalDb = config.REHEARSAL_MONGODB_DB ?? rehearsalDbName(config.MONGODB_DB);
    if (rehearsalDb === config.MONGODB_DB)
      ctx.addIssue({
        code: 'custom',
        path: ['REHEARSAL_MONGODB_DB'],
        message: 'must differ from MONGODB_DB: rehearsals never run in the production database',
      });
  });

/** `<db>_rehearsal`, shortened to stay a valid database name. */
export function rehearsalDbName(db: string): string {
  return `${db.slice(0, 63 - '_rehearsal'.length)}_rehearsal`;
}

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseOrThrow(configSchema, plainEnv(env), 'configuration (environment variables)');
}

/** The CRM connection for `crm` steps, when both its URL and token are configured. */
export function crmConnection(config: Pick<Config, 'CRM_BASE_URL' | 'CRM_TOKEN' | 'CRM_TIMEOUT_MS'>) {
  if (!config.CRM_BASE_URL || !config.CRM_TOKEN) return undefined;
  return { baseUrl: config.CRM_BASE_URL, token: config.CRM_TOKEN, timeoutMs: config.CRM_TIMEOUT_MS };
}

/** Link to a workflow in the Temporal Web UI. */
export function workflowUiUrl(
  config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>,
  workflowId: string,
): string {
  return `${config.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}

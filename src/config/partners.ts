import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { hostProblem } from '../domain/addresses';
import { canonicalOrigin, partnerNameSchema, type Partner, type Partners } from '../domain/partners';
import { ValidationError } from '../domain/validation';

/**
 * The partners outbound calls may go to, from the operator's configuration:
 *
 *     WEBHOOK_PARTNERS='{"partner-a": {"origins": ["https://hooks.partner-a.example"], "secretEnv": "PARTNER_A_SECRET"}}'
 *     WEBHOOK_PARTNERS_FILE=/etc/lead-rollback/partners.yaml      (the same map, as YAML or JSON)
 *     REHEARSAL_WEBHOOK_PARTNERS='{"partner-a": {"origins": ["https://sandbox.partner-a.example"], "secretEnv": "PARTNER_A_SANDBOX_SECRET"}}'
 *
 * Each entry: `origins` (canonical http(s) origins, nothing after the port), exactly one of `secret`
 * (at least 16 characters) or `secretEnv` (the variable holding it, so the API and CLI, which only
 * validate, never need the secret), and `allowPrivateNetwork` (default false; loopback, private
 * and link-local addresses are refused otherwise, cloud metadata always). Messages name the entry
 * and field, never print a secret.
 */

const originSchema = z
  .string()
  .max(300)
  .superRefine((text, ctx) => {
    const origin = canonicalOrigin(text);
    if (!origin)
      ctx.addIssue({
        code: 'custom',
        message:
          'must be an http or https origin: scheme, host and optional port, nothing after it (e.g. https://hooks.partner.example)',
      });
    else if (origin !== text)
      ctx.addIssue({
        code: 'custom',
        message: `must be written as the origin ${origin} (lowercase, no default port, no trailing slash)`,
      });
  });

export const partnerEntrySchema = z
  .strictObject({
    origins: z.array(originSchema).min(1).max(20),
    secret: z.string().min(16).max(1024).optional(),
    secretEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be the name of an environment variable')
      .optional(),
    allowPrivateNetwork: z.boolean().default(false),
    description: z.string().max(200).optional(),
  })
  .superRefine((entry, ctx) => {
    if ((entry.secret === undefined) === (entry.secretEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message:
          'give exactly one of secret (at least 16 characters) or secretEnv (the environment variable holding it)',
      });
    }
    entry.origins.forEach((origin, index) => {
      if (canonicalOrigin(origin) !== origin) return;
      const problem = hostProblem(new URL(origin).hostname, entry);
      if (problem) ctx.addIssue({ code: 'custom', path: ['origins', index], message: problem });
    });
  });

export type PartnerEntry = z.output<typeof partnerEntrySchema>;

export const partnerEntriesSchema = z
  .record(partnerNameSchema, partnerEntrySchema)
  .refine((entries) => Object.keys(entries).length <= 200, 'at most 200 partners');

export type PartnerEntries = z.output<typeof partnerEntriesSchema>;

/** JSON text → the partner map; the text is never quoted back (it may hold secrets). */
const partnersJson = z
  .string()
  .transform((text, ctx): unknown => {
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'is not valid JSON (a map of partner name → { origins, secret | secretEnv, allowPrivateNetwork })',
      });
      return z.NEVER;
    }
  })
  .pipe(partnerEntriesSchema);

/** A YAML (or JSON) file → the partner map; errors name the line, never quote it. */
const partnersFile = z
  .string()
  .transform((file, ctx): unknown => {
    if (file.trim() === '') return {};
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      return z.NEVER;
    }
    try {
      return parseYaml(text) ?? {};
    } catch (err) {
      const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
      ctx.addIssue({ code: 'custom', message: `is not valid YAML or JSON${line ? ` (line ${line})` : ''}` });
      return z.NEVER;
    }
  })
  .pipe(partnerEntriesSchema);

/** A variable this release no longer reads: set, it stops the process with what replaces it. */
const retired = (replacement: string) =>
  z
    .string()
    .optional()
    .refine((value) => value === undefined || value.trim() === '', { error: `is no longer read: ${replacement}` });

/** Environment variables of the partner configuration (part of every process's configuration). */
export const partnerSettingsSchema = {
  /** Partners as JSON: name → { origins, secret | secretEnv, allowPrivateNetwork }. */
  WEBHOOK_PARTNERS: partnersJson.optional(),
  /** Partners as a YAML or JSON file (the same map); may be combined with WEBHOOK_PARTNERS, names unique. */
  WEBHOOK_PARTNERS_FILE: partnersFile.optional(),
  /** The partners' sandboxes rehearsals call instead: the same map, each name's sandbox origin and secret. */
  REHEARSAL_WEBHOOK_PARTNERS: partnersJson.optional(),
  WEBHOOK_SECRETS: retired(
    'webhook steps name a partner of WEBHOOK_PARTNERS, whose entry holds its origins and secret (see docs/targets/webhook.md, "Partners")',
  ),
  REHEARSAL_WEBHOOK_BASE_URL: retired("each partner's sandbox is an entry of REHEARSAL_WEBHOOK_PARTNERS"),
  REHEARSAL_WEBHOOK_SECRETS: retired("each partner's sandbox secret is in its REHEARSAL_WEBHOOK_PARTNERS entry"),
};

export interface PartnerConfig {
  WEBHOOK_PARTNERS?: PartnerEntries;
  WEBHOOK_PARTNERS_FILE?: PartnerEntries;
  REHEARSAL_WEBHOOK_PARTNERS?: PartnerEntries;
}

export interface ResolveOptions {
  /** The worker signs: every partner's secret must be there (a missing secretEnv stops it). */
  requireSecrets?: boolean;
}

const SUBJECT = 'configuration (environment variables)';

/** Entries (from one or more variables) → partners, secrets taken from the environment where named. */
function resolve(
  sources: [variable: string, entries: PartnerEntries | undefined][],
  env: NodeJS.ProcessEnv,
  options: ResolveOptions,
): Partners {
  const partners = new Map<string, Partner>();
  const issues: { path: string; message: string }[] = [];
  for (const [variable, entries] of sources) {
    for (const [name, entry] of Object.entries(entries ?? {})) {
      if (partners.has(name)) {
        issues.push({ path: `${variable}.${name}`, message: `partner "${name}" is configured twice` });
        continue;
      }
      let secret = entry.secret;
      if (entry.secretEnv !== undefined) {
        const value = env[entry.secretEnv];
        if (value !== undefined && value.length >= 16) secret = value;
        else if (options.requireSecrets)
          issues.push({
            path: `${variable}.${name}.secretEnv`,
            message: `names ${entry.secretEnv}, which is not set or shorter than 16 characters`,
          });
      }
      partners.set(name, {
        name,
        origins: entry.origins,
        allowPrivateNetwork: entry.allowPrivateNetwork,
        ...(secret !== undefined ? { secret } : {}),
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(SUBJECT, issues);
  return partners;
}

/** The partners webhook steps and notification webhooks may call (WEBHOOK_PARTNERS and WEBHOOK_PARTNERS_FILE). */
export function configuredPartners(
  config: PartnerConfig,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): Partners {
  return resolve(
    [
      ['WEBHOOK_PARTNERS', config.WEBHOOK_PARTNERS],
      ['WEBHOOK_PARTNERS_FILE', config.WEBHOOK_PARTNERS_FILE],
    ],
    env,
    options,
  );
}

/** The partners' sandboxes (REHEARSAL_WEBHOOK_PARTNERS), by the partner's name. */
export function sandboxPartners(
  config: PartnerConfig,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): Partners {
  return resolve([['REHEARSAL_WEBHOOK_PARTNERS', config.REHEARSAL_WEBHOOK_PARTNERS]], env, options);
}

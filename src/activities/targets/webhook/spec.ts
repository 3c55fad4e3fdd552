import { z } from 'zod';
import { prototypeKeyProblem, refusePrototypeKey } from '../../../domain/safe-keys';
import { CONTROL_IN_HEADER, hasPlaceholder, renderUrl, templateProblem, type TemplateValues } from './template';

/**
 * A call to a partner's webhook and the call that undoes it. Both carry an `Idempotency-Key`
 * (`<changeId>/<stepId>/forward` or `/compensate`) and, when `secret` names one of the worker's
 * `WEBHOOK_SECRETS`, an HMAC-SHA256 signature. A step without a compensating request must say
 * `irreversible: true`: the saga then asks for approval before applying it.
 */

/** Headers the worker sets itself, or that would carry credentials into workflow history. */
export const reservedHeaders = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'idempotency-key',
  'x-lead-rollback-signature',
] as const;

export const defaultExpectedStatus = [200, 201, 202, 204] as const;
export const defaultConflictStatus = [409, 412] as const;

const sampleValues: TemplateValues = { changeId: 'change', stepId: 'step', idempotencyKey: 'change/step/forward' };

const templateString = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((text, ctx) => {
      const problem = templateProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** http(s) only, no credentials, placeholders only after the host. */
export const webhookUrlSchema = templateString(2048).superRefine((template, ctx) => {
  if (templateProblem(template)) return;
  let url: URL;
  try {
    url = new URL(renderUrl(template, sampleValues));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must be an http or https URL, not ${url.protocol.replace(/:$/, '')}` });
    return;
  }
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials: name a secret instead' });
  const origin = /^[a-z]+:\/\/[^/?#]*/i.exec(template)?.[0] ?? '';
  if (hasPlaceholder(origin)) ctx.addIssue({ code: 'custom', message: 'template variables may only appear in the path and query, not in the host' });
});

const headerNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)')
  .superRefine(refusePrototypeKey)
  .refine((name) => !(reservedHeaders as readonly string[]).includes(name.toLowerCase()), {
    message: `is set by the worker or would put credentials into history: ${reservedHeaders.join(', ')} are not allowed`,
  });

const headerValueSchema = templateString(4096).refine((value) => !CONTROL_IN_HEADER.test(value), { message: 'must not contain CR, LF or NUL' });

const headersSchema = z
  .record(headerNameSchema, headerValueSchema)
  .refine((headers) => Object.keys(headers).length <= 30, 'at most 30 headers')
  .superRefine((headers, ctx) => {
    const seen = new Set<string>();
    for (const name of Object.keys(headers)) {
      if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is given twice` });
      seen.add(name.toLowerCase());
    }
  });

const MAX_BODY_BYTES = 64 * 1024;
const MAX_BODY_DEPTH = 32;

/** A JSON body; its string values may hold template variables. */
const bodySchema = z.json().superRefine((body, ctx) => {
  const walk = (value: unknown, path: (string | number)[], depth: number): void => {
    if (depth > MAX_BODY_DEPTH) {
      ctx.addIssue({ code: 'custom', path, message: `is nested deeper than ${MAX_BODY_DEPTH} levels` });
      return;
    }
    if (typeof value === 'string') {
      const problem = templateProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index], depth + 1));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const problem = prototypeKeyProblem(key);
        if (problem) ctx.addIssue({ code: 'custom', path: [...path, key], message: problem });
        else walk(item, [...path, key], depth + 1);
      }
    }
  };
  walk(body, [], 0);
  if (new TextEncoder().encode(JSON.stringify(body)).length > MAX_BODY_BYTES) ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_BODY_BYTES} bytes as JSON` });
});

const statusListSchema = z
  .array(z.int().min(200).max(499).refine((status) => status !== 429, 'is retried (429), it cannot be expected'))
  .min(1)
  .max(20);

export const webhookRequestSchema = z.strictObject({
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
  url: webhookUrlSchema,
  headers: headersSchema.optional(),
  body: bodySchema.optional(),
  /** Statuses meaning "done"; default 200, 201, 202, 204. */
  expectedStatus: statusListSchema.optional(),
});

export const webhookCompensateSchema = webhookRequestSchema
  .extend({
    /** Statuses meaning "the partner's state changed since; not undone": reported as a conflict. Default 409, 412. */
    conflictStatus: statusListSchema.optional(),
  })
  .superRefine((request, ctx) => {
    const expected: readonly number[] = request.expectedStatus ?? defaultExpectedStatus;
    (request.conflictStatus ?? []).forEach((status, index) => {
      if (expected.includes(status)) ctx.addIssue({ code: 'custom', path: ['conflictStatus', index], message: `${status} is also an expected status` });
    });
  });

export const webhookSecretNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, "_" or "-"')
  .superRefine(refusePrototypeKey);

export const webhookSpecSchema = z
  .strictObject({
    forward: webhookRequestSchema,
    compensate: webhookCompensateSchema.optional(),
    /** Required (true) when there is no `compensate`: the forward cannot be undone. */
    irreversible: z.boolean().optional(),
    /** Name of a secret in the worker's `WEBHOOK_SECRETS`; requests are then signed. Never the secret itself. */
    secret: webhookSecretNameSchema.optional(),
    /** Per-request timeout in milliseconds; default 10 000. */
    timeoutMs: z.int().min(100).max(60_000).optional(),
  })
  .superRefine((spec, ctx) => {
    if (!spec.compensate && spec.irreversible !== true) {
      ctx.addIssue({ code: 'custom', path: ['irreversible'], message: 'a webhook without a compensate request must be declared irreversible: true' });
    }
    if (spec.compensate && spec.irreversible === true) {
      ctx.addIssue({ code: 'custom', path: ['irreversible'], message: 'contradicts the compensate request: a step with one is reversible' });
    }
  });

export type WebhookSpec = z.infer<typeof webhookSpecSchema>;
export type WebhookRequestTemplate = z.infer<typeof webhookRequestSchema>;
export type WebhookCompensateTemplate = z.infer<typeof webhookCompensateSchema>;

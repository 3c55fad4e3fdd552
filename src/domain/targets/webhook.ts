import { z } from 'zod';
import { hostProblem } from '../addresses';
import { credentialInQuery, partnerNameSchema } from '../partners';
import { prototypeKeyProblem, refusePrototypeKey } from '../safe-keys';
import { CONTROL_IN_HEADER, hasPlaceholder, renderUrl, templateProblem, type TemplateValues } from './webhook-template';

/**
 * A call to a configured partner's webhook and the call that undoes it. `partner` names an entry of
 * the operator's `WEBHOOK_PARTNERS`: both URLs must be on that partner's origins, and the partner's
 * secret signs both requests (src/activities/http/signature.ts). Both carry an `Idempotency-Key`
 * (`<changeId>/<stepId>/forward` or `/compensate`). A step without a compensating request must say
 * `irreversible: true`: the saga then asks for approval before applying it.
 */

/**
 * Headers a step may not set: the worker sets them itself, they would carry credentials into
 * workflow history, they are hop-by-hop or can never be sent (the HTTP client refuses them, which
 * would fail the step locally), or they would tell the partner something other than what is
 * signed (a method override, a forwarded-for address). Names ending in "-" are prefixes.
 */
export const reservedHeaders = [
  'authorization',
  'proxy-',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'via',
  'forwarded',
  'x-forwarded-',
  'x-real-ip',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'http2-settings',
  'idempotency-key',
  'x-lead-rollback-',
] as const;

export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return reservedHeaders.some((reserved) => (reserved.endsWith('-') ? lower.startsWith(reserved) : lower === reserved));
}

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

/** The form every URL template must have as text: `http(s)://host[:port]` then "/", "?", "#" or the end. */
const URL_FORM = /^https?:\/\/[^/?#@\\\s{}]+(?:[/?#]|$)/;

/**
 * http(s) only, written as an absolute URL (judged as text, not as the URL parser would repair
 * it), no credentials in userinfo or query, placeholders only after the host, and no host that is
 * never called (cloud metadata, unusable ranges). Whether it is on its partner's origins is the
 * partner guard's and the worker's check (they know the partners).
 */
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
  if (url.username || url.password || /^[a-z]+:\/\/[^/?#]*@/i.test(template)) {
    ctx.addIssue({ code: 'custom', message: "must not carry credentials: the partner's secret signs every request" });
    return;
  }
  const authority = /^[^:]*:\/*[^/?#]*/.exec(template)?.[0] ?? '';
  if (hasPlaceholder(authority)) {
    ctx.addIssue({
      code: 'custom',
      message: 'template variables may only appear in the path and query, not in the host',
    });
    return;
  }
  if (!URL_FORM.test(template) || /[\s\x00-\x1f\x7f\\]/.test(template)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be written as http:// or https:// (lowercase), a host, then "/", "?" or the end; no spaces, tabs, newlines or backslashes',
    });
    return;
  }
  const credential = credentialInQuery(template);
  if (credential !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must not carry a credential in its query ("${credential}"): the partner's secret signs every request`,
    });
    return;
  }
  const never = hostProblem(url.hostname, { allowPrivateNetwork: true });
  if (never) ctx.addIssue({ code: 'custom', message: `is refused: ${never}` });
});

const headerNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)")
  .superRefine(refusePrototypeKey);

const RESERVED_HEADER = `cannot be set by a step: it is set by the worker, would put credentials into history, is hop-by-hop or is never sent (${reservedHeaders.map((h) => (h.endsWith('-') ? `${h}*` : h)).join(', ')})`;

const headerValueSchema = templateString(4096).refine((value) => !CONTROL_IN_HEADER.test(value), {
  message: 'must not contain CR, LF or NUL',
});

/** Reserved names are refused per key in a refinement, so the issue says why (a key schema's would only say "Invalid key"). */
const headersSchema = z
  .record(headerNameSchema, headerValueSchema)
  .refine((headers) => Object.keys(headers).length <= 30, 'at most 30 headers')
  .superRefine((headers, ctx) => {
    const seen = new Set<string>();
    for (const name of Object.keys(headers)) {
      if (isReservedHeader(name)) ctx.addIssue({ code: 'custom', path: [name], message: RESERVED_HEADER });
      if (seen.has(name.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is given twice` });
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
  if (new TextEncoder().encode(JSON.stringify(body)).length > MAX_BODY_BYTES)
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_BODY_BYTES} bytes as JSON` });
});

const statusListSchema = z
  .array(
    z
      .int()
      .min(200)
      .max(499)
      .refine((status) => status !== 429, 'is retried (429), it cannot be expected'),
  )
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
      if (expected.includes(status))
        ctx.addIssue({
          code: 'custom',
          path: ['conflictStatus', index],
          message: `${status} is also an expected status`,
        });
    });
  });

export const webhookSpecSchema = z
  .strictObject({
    forward: webhookRequestSchema,
    compensate: webhookCompensateSchema.optional(),
    /** Required (true) when there is no `compensate`: the forward cannot be undone. */
    irreversible: z.boolean().optional(),
    /** The configured partner (`WEBHOOK_PARTNERS`) whose origins the URLs are on and whose secret signs them. */
    partner: partnerNameSchema,
    /** Steps used to name a secret; partners replaced that (a secret now only signs for its partner's origins). */
    secret: z
      .never({
        error:
          'is no longer accepted: name the partner instead (partner: "<name>" from WEBHOOK_PARTNERS); its secret signs the requests',
      })
      .optional(),
    /** Per-request timeout in milliseconds; default 10 000. */
    timeoutMs: z.int().min(100).max(60_000).optional(),
  })
  .superRefine((spec, ctx) => {
    if (!spec.compensate && spec.irreversible !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['irreversible'],
        message: 'a webhook without a compensate request must be declared irreversible: true',
      });
    }
    if (spec.compensate && spec.irreversible === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['irreversible'],
        message: 'contradicts the compensate request: a step with one is reversible',
      });
    }
  });

export type WebhookSpec = z.infer<typeof webhookSpecSchema>;
export type WebhookRequestTemplate = z.infer<typeof webhookRequestSchema>;
export type WebhookCompensateTemplate = z.infer<typeof webhookCompensateSchema>;

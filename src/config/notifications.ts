import { z } from 'zod';
import { credentialInQuery } from '../domain/partners';

const namePattern = /^[A-Za-z0-9#._-]{1,80}$/;

/**
 * `name=value` pairs separated by commas or whitespace, e.g. `#ops=https://hooks.slack.com/…`.
 * Issues name the entry by position and name, never its value (values may be secret).
 */
function namedValues(value: z.ZodType<string>, what: string) {
  return z.string().transform((text, ctx) => {
    const entries = new Map<string, string>();
    text
      .split(/[\s,]+/)
      .filter(Boolean)
      .forEach((entry, index) => {
        const at = entry.indexOf('=');
        const name = at > 0 ? entry.slice(0, at) : '';
        if (!namePattern.test(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `entry ${index + 1} must be name=${what} with a name of letters, digits, "#", ".", "_" or "-"`,
          });
          return;
        }
        const parsed = value.safeParse(entry.slice(at + 1));
        if (!parsed.success) ctx.addIssue({ code: 'custom', path: [index], message: `${name}: must be ${what}` });
        else entries.set(name, parsed.data);
      });
    return entries;
  });
}

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .refine((url) => credentialInQuery(url) === undefined, 'must not carry a credential in its query');

/** Environment variables of the notification senders (part of the worker's configuration). */
export const notificationSettingsSchema = {
  /** Slack incoming webhooks by channel: `#ops=https://hooks.slack.com/services/…`. */
  SLACK_WEBHOOKS: namedValues(httpUrl, 'an http(s) URL').default(new Map()),
  /**
   * Generic JSON webhooks by name: `audit=https://audit.example.com/hooks/lead-rollback`. Each name
   * is a partner of WEBHOOK_PARTNERS; the URL must be on its origins and its secret signs.
   */
  NOTIFY_WEBHOOK_URLS: namedValues(httpUrl, 'an http(s) URL without credentials in its query').default(new Map()),
  /** Replaced: a notification webhook is signed with its partner's secret. */
  NOTIFY_WEBHOOK_SECRETS: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.trim() === '', {
      error: 'is no longer read: each NOTIFY_WEBHOOK_URLS name is a partner of WEBHOOK_PARTNERS, whose secret signs',
    }),
};

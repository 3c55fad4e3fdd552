import { z } from 'zod';
import { fieldPathSchema } from '../domain/targets/fields';

/**
 * `REDACTED_LEAD_FIELDS='contact.email,phone'`: lead fields whose values the worker replaces before
 * anything is stored or returned (conflict samples in reports and `lead_conflicts`, previews);
 * CRM record properties and document fields of the same name are treated alike. Each is a field
 * path as steps write them.
 */
export const redactedLeadFieldsSchema = z.string().transform((text, ctx) => {
  const fields = text
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  fields.forEach((field, index) => {
    const parsed = fieldPathSchema.safeParse(field);
    if (!parsed.success)
      ctx.addIssue({ code: 'custom', path: [index], message: `"${field}" ${parsed.error.issues[0]!.message}` });
  });
  return [...new Set(fields)];
});

/** Environment variables of the worker's handling of personal data. */
export const redactionSettingsSchema = {
  REDACTED_LEAD_FIELDS: redactedLeadFieldsSchema.default([]),
};

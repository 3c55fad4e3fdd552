import { z } from 'zod';

/** Who asks or decides: an email, a Slack-mapped user or a service name. */
export const actorSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s$]+$/, 'must not contain spaces or "$"');

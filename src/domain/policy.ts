import { z } from 'zod';
import { actorSchema } from './actor';
import { boundedDuration, durationSchema } from './duration';
import { observeSchema } from './observation';

export { durationSchema };

/** A decider group as policies and the operator's floor name it. */
export const groupSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"');

/** Where a level is notified: `slack:#channel`, `webhook:name` (names resolved by the worker's configuration). */
export const channelSchema = z
  .string()
  .max(128)
  .regex(/^(slack|webhook):[A-Za-z0-9#._-]+$/, 'must be slack:<channel> or webhook:<name>');

export const escalationLevelSchema = z.strictObject({
  name: z.string().min(1).max(64),
  /** Who may decide from this level on (later levels add to earlier ones). */
  deciders: z
    .strictObject({
      actors: z.array(actorSchema).max(50).default([]),
      groups: z.array(groupSchema).max(20).default([]),
    })
    .refine((d) => d.actors.length + d.groups.length > 0, 'name at least one actor or group'),
  notify: z.array(channelSchema).max(10).default([]),
  /** How long this level has to decide before the next one is asked. */
  deadline: boundedDuration('policy.escalation.levels.*.deadline'),
});

export const policySchema = z.strictObject({
  /** `rollback`: restore at once; `ask`: a human decides, with deadlines and escalation; `hold`: pause until someone decides. */
  onStepFailure: z.enum(['rollback', 'ask', 'hold']).default('rollback'),
  /** Approval before anything is applied; required (and not waivable) for `risk: high`. */
  approval: z.enum(['required', 'none']).optional(),
  escalation: z
    .strictObject({
      levels: z.array(escalationLevelSchema).min(1).max(10),
      /** What happens when the last level's deadline passes with no decision. */
      whenExhausted: z.enum(['rollback', 'hold']).default('rollback'),
    })
    .optional(),
  /** Watch metrics after the last step and roll back when a trigger fires. */
  observe: observeSchema.optional(),
  /** Another change holding one of this change's targets: wait for it (bounded), or refuse at once. */
  locks: z
    .strictObject({
      onBusy: z.enum(['wait', 'refuse']).default('wait'),
      maxWait: boundedDuration('policy.locks.maxWait').default('1h'),
    })
    .default({ onBusy: 'wait', maxWait: '1h' }),
  compensation: z
    .strictObject({
      /** Groups of step ids whose compensations do not depend on each other and run in parallel. */
      independentGroups: z.array(z.array(z.string()).min(2)).max(20).default([]),
    })
    .default({ independentGroups: [] }),
});

export type Policy = z.infer<typeof policySchema>;
export type EscalationLevel = z.infer<typeof escalationLevelSchema>;

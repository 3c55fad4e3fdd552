import { z } from 'zod';
import { actorSchema } from './actor';
import { decisionNames, rollbackCategories } from './decisions';

const groupsSchema = z.array(z.string().min(1).max(64)).max(20).optional();

/** A decision as interfaces send it; the workflow then checks who may decide and whether it fits. */
export const decisionInputSchema = z.strictObject({
  decision: z.enum(decisionNames as [string, ...string[]]),
  actor: actorSchema,
  groups: groupsSchema,
  comment: z.string().max(2000).optional(),
  questionId: z.string().max(64).optional(),
});

export const rollbackRequestSchema = z.strictObject({
  actor: actorSchema,
  groups: groupsSchema,
  reason: z.string().min(1).max(2000),
  category: z.enum(rollbackCategories),
});

/** A rollback of a finished change later, as interfaces send it: who asks (its requester), why, and a category. */
export const rollbackLaterRequestSchema = z.strictObject({
  requestedBy: actorSchema,
  reason: z.string().min(1).max(2000),
  category: z.enum(rollbackCategories),
});

export type RollbackLaterRequest = z.infer<typeof rollbackLaterRequestSchema>;

import { z } from 'zod';
import { changeIdSchema } from '../domain/change-request';
import { decisionNames, type DecisionName } from '../domain/decisions';
import { findUnsafeKey } from '../domain/safe-keys';

/**
 * What a decision button carries: which change, which question, which answer. Slack echoes the
 * value back in the `block_actions` payload, so it is parsed again (never trusted) on receipt.
 */
export const decisionActionSchema = z.strictObject({
  changeId: changeIdSchema,
  questionId: z.string().min(1).max(64),
  decision: z.enum(decisionNames as [DecisionName, ...DecisionName[]]),
});

export type DecisionAction = z.infer<typeof decisionActionSchema>;

/** Buttons' action ids start with this; other actions (links) are acknowledged and ignored. */
export const DECIDE_ACTION_PREFIX = 'decide:';

export function encodeDecisionAction(action: DecisionAction): string {
  return JSON.stringify(action);
}

/** The decision a button stands for, or why the value is not one (naming the bad field). */
export function readDecisionAction(value: string | undefined): { action: DecisionAction } | { problem: string } {
  if (!value) return { problem: 'value: missing' };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { problem: 'value: not JSON' };
  }
  const unsafe = findUnsafeKey(json);
  if (unsafe) return { problem: `${['value', ...unsafe.path].join('.')}: ${unsafe.problem}` };
  const parsed = decisionActionSchema.safeParse(json);
  if (parsed.success) return { action: parsed.data };
  return { problem: parsed.error.issues.map((i) => `value.${i.path.join('.')}: ${i.message}`).join('; ') };
}

/** The decision a button stands for, or undefined when the value is not one of ours. */
export function decodeDecisionAction(value: string | undefined): DecisionAction | undefined {
  const read = readDecisionAction(value);
  return 'action' in read ? read.action : undefined;
}

import { decisionInputSchema } from '../domain/decision-schemas';
import type { DecisionInput } from '../domain/decisions';
import { parseOrThrow, ValidationError } from '../domain/validation';

/**
 * What interfaces (API, CLI, chat ops) check of a decision before sending it, from the input alone:
 * its shape, and a comment on resolved-manually. Answered as bad input (400, invalid) without a
 * round trip; the workflow's validator judges everything else (src/workflows/decision-rules.ts).
 */
export function checkDecisionInput(decision: DecisionInput): void {
  const input = parseOrThrow(decisionInputSchema, decision, 'decision') as DecisionInput;
  if (input.decision === 'resolved-manually' && !input.comment?.trim()) {
    throw new ValidationError('decision', [
      { path: 'comment', message: 'resolved-manually needs a comment saying what was done' },
    ]);
  }
}

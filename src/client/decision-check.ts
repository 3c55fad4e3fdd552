import type { DecisionInput } from '../domain/decisions';
import { acceptsRisk, sameActor, selfDecisionRefusal } from '../domain/segregation';
import type { ChangeStatus, PendingQuestion } from '../domain/status';

export type DecisionVerdict = { ok: true; question: PendingQuestion } | { ok: false; notAllowed: boolean; reason: string };

/**
 * Judges a decision against the change's open questions, from the status query alone: is there a
 * question, does the decision answer it, may this actor (or one of their groups, break-glass groups
 * included) decide at its level, and is the requester trying to accept their own change's risk
 * (approve, skip, accept, resolved-manually). Actors compare case-insensitively. It lets interfaces
 * answer 403 and 409 precisely before anything is sent; the workflow checks again when the
 * decision arrives (src/workflows/decision-desk.ts keeps the same rules).
 */
export function judgeDecision(status: ChangeStatus, requestedBy: string, input: DecisionInput): DecisionVerdict {
  const question = input.questionId ? status.pendingDecisions.find((q) => q.id === input.questionId) : status.pendingDecisions[0];
  if (!question) {
    const reason = input.questionId ? `no open question ${input.questionId}` : `no decision is being asked for (change is ${status.phase})`;
    return { ok: false, notAllowed: false, reason };
  }
  if (!question.options.includes(input.decision)) {
    return { ok: false, notAllowed: false, reason: `"${input.decision}" does not answer the ${question.kind} question (expected ${question.options.join(', ')})` };
  }
  const groups = input.groups ?? [];
  const allowed = question.mayDecide.some((level) => level.actors.some((a) => sameActor(a, input.actor)) || groups.some((g) => level.groups.includes(g)));
  if (!allowed) return { ok: false, notAllowed: true, reason: `${input.actor} may not decide the ${question.kind} question at level ${question.level}` };
  if (acceptsRisk(input.decision) && sameActor(input.actor, requestedBy)) return { ok: false, notAllowed: true, reason: selfDecisionRefusal(input.actor, input.decision) };
  if (question.kind === 'approval' && input.decision === 'approve') {
    const already = status.decisions.some((d) => d.questionId === question.id && d.decision === 'approve' && sameActor(d.actor, input.actor));
    if (already) return { ok: false, notAllowed: false, reason: `${input.actor} has already approved` };
  }
  return { ok: true, question };
}

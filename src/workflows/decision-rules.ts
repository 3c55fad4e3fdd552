import { questionOptions, type DecisionInput, type DecisionName } from '../domain/decisions';
import { ErrorType, type RefusalType } from '../domain/errors';
import type { EscalationLevel } from '../domain/policy';
import { acceptsRisk, sameActor, selfDecisionRefusal } from '../domain/segregation';
import type { AcceptedDecision, PendingQuestion } from '../domain/status';

/**
 * Who may decide what, as pure functions of the question and the run's rules: the decision desk
 * asks them before it takes a decision, its update validator before anything reaches the history.
 * No workflow API here, so the rules are unit-tested on their own.
 */

/**
 * Who may decide beyond the levels, and how strictly. Runs started before the policy floor keep the
 * rules they started with (exact actors, only `approve` barred to the requester, no break-glass).
 */
export interface DecisionRules {
  /** The requester may not make any risk-accepting decision; actors compare case-insensitively. */
  strict: boolean;
  /** Groups that may decide at every level (the floor's break-glass groups). */
  breakGlassGroups: string[];
}

export const legacyRules: DecisionRules = { strict: false, breakGlassGroups: [] };

/** Why a request is refused: a type callers branch on (src/domain/errors.ts) and a sentence for people. */
export interface Refusal {
  type: RefusalType;
  reason: string;
}

/** A question as the rules see it: what the status shows, plus the approvals it has so far. */
export interface JudgedQuestion extends PendingQuestion {
  approvals: AcceptedDecision[];
}

export interface DecisionContext {
  levels: EscalationLevel[];
  requestedBy: string;
  rules: DecisionRules;
  /** Every decision taken so far (the history budget bounds repeats). */
  accepted: readonly AcceptedDecision[];
  /** At most this many of these decisions per change (the history budget); none without it. */
  repeats?: Partial<Record<DecisionName, number>>;
  /**
   * Holds the requester to the floor's segregation rules even in runs older than the floor. The
   * update validator sets it: interfaces always refused those decisions before sending them, and
   * a validator never runs on replay, so old histories are not affected.
   */
  segregation?: boolean;
  /** The change's phase, named when no question is open (what callers were always told). */
  phase?: string;
}

/** Whether two actors are the same person under the rules. */
export function same(rules: DecisionRules, a: string, b: string): boolean {
  return rules.strict ? sameActor(a, b) : a === b;
}

function named(rules: DecisionRules, level: EscalationLevel, actor: string, groups: string[] = []): boolean {
  return (
    level.deciders.actors.some((a) => same(rules, a, actor)) || groups.some((g) => level.deciders.groups.includes(g))
  );
}

function breakGlass(rules: DecisionRules, groups: string[] = []): boolean {
  return groups.some((g) => rules.breakGlassGroups.includes(g));
}

/** Actors and groups of the level and every earlier one may decide, and the break-glass groups. */
export function mayDecideAt(
  context: Pick<DecisionContext, 'levels' | 'rules'>,
  actor: string,
  groups: string[] | undefined,
  level: number,
): boolean {
  return (
    breakGlass(context.rules, groups) ||
    context.levels.slice(0, level + 1).some((l) => named(context.rules, l, actor, groups))
  );
}

/** Anyone who may decide at some level, or break glass (who may ask for a manual rollback). */
export function isDecider(
  context: Pick<DecisionContext, 'levels' | 'rules'>,
  actor: string,
  groups: string[] = [],
): boolean {
  return breakGlass(context.rules, groups) || context.levels.some((l) => named(context.rules, l, actor, groups));
}

/** The question a decision answers and whether it may be taken: the one place the decision rules live. */
export function judgeDecision<Q extends JudgedQuestion>(
  open: readonly Q[],
  input: DecisionInput,
  context: DecisionContext,
): { question: Q } | { refusal: Refusal } {
  const refuse = (type: RefusalType, reason: string) => ({ refusal: { type, reason } });
  const question = input.questionId ? open.find((q) => q.id === input.questionId) : open[0];
  if (!question)
    return input.questionId
      ? refuse(ErrorType.UnknownQuestion, `no open question ${input.questionId}`)
      : refuse(
          ErrorType.WrongState,
          `no decision is being asked for${context.phase ? ` (change is ${context.phase})` : ''}`,
        );
  if (!(questionOptions[question.kind] as readonly DecisionName[]).includes(input.decision)) {
    return refuse(
      ErrorType.WrongState,
      `"${input.decision}" does not answer a ${question.kind} question (expected ${question.options.join(', ')})`,
    );
  }
  const { levels, rules, requestedBy } = context;
  if (!mayDecideAt(context, input.actor, input.groups, question.level)) {
    return refuse(
      ErrorType.NotAllowed,
      `${input.actor} may not decide at escalation level ${question.level} (${levels[question.level]!.name})`,
    );
  }
  const segregated = rules.strict || context.segregation === true;
  if (segregated && acceptsRisk(input.decision) && sameActor(input.actor, requestedBy)) {
    return refuse(ErrorType.NotAllowed, selfDecisionRefusal(input.actor, input.decision));
  }
  if (question.kind === 'approval' && input.decision === 'approve') {
    if (input.actor === requestedBy)
      return refuse(ErrorType.NotAllowed, `${input.actor} requested this change and cannot approve it`);
    const approvedBefore = (actor: string) =>
      segregated ? sameActor(actor, input.actor) : same(rules, actor, input.actor);
    if (question.approvals.some((a) => approvedBefore(a.actor)))
      return refuse(ErrorType.AlreadyApproved, `${input.actor} has already approved`);
  }
  const repeats = context.repeats?.[input.decision];
  if (repeats !== undefined && context.accepted.filter((d) => d.decision === input.decision).length >= repeats) {
    return refuse(
      ErrorType.WrongState,
      `"${input.decision}" was already chosen ${repeats} times in this change, the most the history budget allows; choose another answer (${question.options.filter((o) => o !== input.decision).join(', ')})`,
    );
  }
  if (context.repeats && input.decision === 'hold' && question.mode === 'hold') {
    return refuse(ErrorType.WrongState, 'the change is already holding for this question; choose another answer');
  }
  if (input.decision === 'resolved-manually' && !input.comment?.trim()) {
    return refuse(ErrorType.IncompleteDecision, 'resolved-manually needs a comment saying what was done');
  }
  return { question };
}

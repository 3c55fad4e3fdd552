import { condition, uuid4 } from '@temporalio/workflow';
import { questionOptions, type DecisionInput, type DecisionName, type DecisionOutcome, type QuestionKind } from '../domain/decisions';
import { durationMs } from '../domain/durations';
import type { EscalationLevel } from '../domain/policy';
import { acceptsRisk, sameActor, selfDecisionRefusal } from '../domain/segregation';
import type { ChangeTracker } from './change-tracker';
import type { AcceptedDecision, PendingQuestion } from '../domain/status';

export interface AskOptions {
  kind: QuestionKind;
  prompt: string;
  stepId?: string;
  /** `escalate`: walk the levels with their deadlines; `hold`: wait without deadlines. */
  mode: 'escalate' | 'hold';
  /** Distinct approvers needed (risk: high asks for two). */
  approvalsNeeded?: number;
  /** Level to start at, e.g. the last one when a question that was already escalated is asked again. */
  startLevel?: number;
}

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

const legacyRules: DecisionRules = { strict: false, breakGlassGroups: [] };

/** How a question ended: a decision, or every level's deadline passed. */
export type AskResult = { decision: AcceptedDecision } | { exhausted: true } | { interrupted: true };

interface OpenQuestion extends PendingQuestion {
  approvals: AcceptedDecision[];
  answer?: AcceptedDecision;
}

export interface DecisionDeskHooks {
  /** Called when a level is asked (first ask and every escalation). */
  onLevelAsked(question: PendingQuestion, level: EscalationLevel): void;
  /** Wakes every waiting question, e.g. when a manual rollback is requested. */
  interrupted(): boolean;
}

/**
 * Asks people and waits for their decisions with Temporal timers: each escalation level has its
 * deadline; when it passes, the next level is asked and who may decide widens. Decisions that
 * arrive before a question exists are kept and applied when it is asked.
 */
export class DecisionDesk {
  private readonly open: OpenQuestion[] = [];
  private readonly early: DecisionInput[] = [];
  private readonly accepted: AcceptedDecision[] = [];
  private rules: DecisionRules = legacyRules;

  constructor(
    private readonly levels: EscalationLevel[],
    private readonly requestedBy: string,
    private readonly tracker: ChangeTracker,
    private readonly hooks: DecisionDeskHooks,
    /** At most this many of these decisions per change (the history budget); none without it. */
    private readonly repeats?: Partial<Record<DecisionName, number>>,
  ) {}

  /** Takes the policy floor's rules (from the moment the workflow knows them). */
  useRules(rules: DecisionRules): void {
    this.rules = { strict: rules.strict, breakGlassGroups: [...rules.breakGlassGroups] };
  }

  get pending(): PendingQuestion[] {
    return this.open.map(({ approvals: _a, answer: _b, ...question }) => question);
  }

  get decisions(): AcceptedDecision[] {
    return [...this.accepted];
  }

  /** The highest escalation level any open question has reached (0 when none is open). */
  get escalationLevel(): number {
    return Math.max(0, ...this.open.map((q) => q.level));
  }

  /** Validates without changing anything; used by the update validator. */
  check(input: DecisionInput): { ok: true; question: OpenQuestion } | { ok: false; reason: string } {
    const question = input.questionId ? this.open.find((q) => q.id === input.questionId) : this.open[0];
    if (!question) return { ok: false, reason: input.questionId ? `no open question ${input.questionId}` : 'no decision is being asked for' };
    if (!(questionOptions[question.kind] as readonly DecisionName[]).includes(input.decision)) {
      return { ok: false, reason: `"${input.decision}" does not answer a ${question.kind} question (expected ${question.options.join(', ')})` };
    }
    if (!this.mayDecide(input, question.level)) {
      return { ok: false, reason: `${input.actor} may not decide at escalation level ${question.level} (${this.levels[question.level]!.name})` };
    }
    if (this.rules.strict && acceptsRisk(input.decision) && sameActor(input.actor, this.requestedBy)) {
      return { ok: false, reason: selfDecisionRefusal(input.actor, input.decision) };
    }
    if (question.kind === 'approval' && input.decision === 'approve') {
      if (input.actor === this.requestedBy) return { ok: false, reason: `${input.actor} requested this change and cannot approve it` };
      if (question.approvals.some((a) => this.same(a.actor, input.actor))) return { ok: false, reason: `${input.actor} has already approved` };
    }
    const repeats = this.repeats?.[input.decision];
    if (repeats !== undefined && this.accepted.filter((d) => d.decision === input.decision).length >= repeats) {
      return { ok: false, reason: `"${input.decision}" was already chosen ${repeats} times in this change, the most the history budget allows; choose another answer (${question.options.filter((o) => o !== input.decision).join(', ')})` };
    }
    if (this.repeats && input.decision === 'hold' && question.mode === 'hold') {
      return { ok: false, reason: 'the change is already holding for this question; choose another answer' };
    }
    if (input.decision === 'resolved-manually' && !input.comment?.trim()) {
      return { ok: false, reason: 'resolved-manually needs a comment saying what was done' };
    }
    return { ok: true, question };
  }

  /** Takes a decision from a signal or an update; refusals are recorded and change nothing. */
  receive(input: DecisionInput, via: 'signal' | 'update'): DecisionOutcome {
    if (this.open.length === 0 && via === 'signal') {
      this.early.push(input);
      this.tracker.record('decision kept until asked', { actor: input.actor, detail: input.decision });
      return { status: 'queued' };
    }
    const checked = this.check(input);
    if (!checked.ok) {
      this.tracker.record('decision refused', { actor: input.actor, detail: `${input.decision}: ${checked.reason}` });
      return { status: 'refused', reason: checked.reason };
    }
    return this.accept(checked.question, input);
  }

  /** Asks a question and waits for a decision, escalating on each deadline. */
  async ask(options: AskOptions): Promise<AskResult> {
    const question: OpenQuestion = {
      id: uuid4(),
      kind: options.kind,
      stepId: options.stepId,
      prompt: options.prompt,
      options: [...questionOptions[options.kind]],
      level: 0,
      mode: options.mode,
      approvalsNeeded: options.approvalsNeeded ?? 1,
      askedAt: new Date().toISOString(),
      mayDecide: [],
      approvals: [],
    };
    this.open.push(question);
    try {
      this.askLevel(question, Math.min(options.startLevel ?? 0, this.levels.length - 1));
      for (const input of this.early.splice(0)) this.receive(input, 'update');
      for (;;) {
        const deadline = question.mode === 'escalate' ? this.levels[question.level]!.deadline : undefined;
        const settled = () => question.answer !== undefined || this.hooks.interrupted();
        const inTime = deadline === undefined ? (await condition(settled), true) : await condition(settled, deadline);
        if (question.answer) return { decision: question.answer };
        if (this.hooks.interrupted()) return { interrupted: true };
        if (!inTime && question.level + 1 < this.levels.length) {
          this.askLevel(question, question.level + 1);
          this.tracker.record('escalated', { stepId: question.stepId, detail: `no decision in ${deadline}; asking ${this.levels[question.level]!.name}` });
        } else if (!inTime) {
          this.tracker.record('escalation exhausted', { stepId: question.stepId, detail: `no decision from any level for the ${question.kind} question` });
          return { exhausted: true };
        }
      }
    } finally {
      this.open.splice(this.open.indexOf(question), 1);
      this.tracker.setEscalationLevel(this.escalationLevel);
    }
  }

  private askLevel(question: OpenQuestion, level: number): void {
    question.level = level;
    const deadline = this.levels[level]!.deadline;
    question.deadline = question.mode === 'escalate' ? new Date(Date.now() + durationMs(deadline)).toISOString() : undefined;
    question.mayDecide = this.levels.slice(0, level + 1).map((l) => ({ level: l.name, ...l.deciders }));
    if (this.rules.breakGlassGroups.length > 0) question.mayDecide.push({ level: 'break-glass', actors: [], groups: [...this.rules.breakGlassGroups] });
    this.tracker.setEscalationLevel(this.escalationLevel);
    this.tracker.record('decision asked', { stepId: question.stepId, detail: `${question.kind} → ${this.levels[level]!.name}: ${question.prompt}` });
    this.hooks.onLevelAsked({ ...question }, this.levels[level]!);
  }

  private accept(question: OpenQuestion, input: DecisionInput): DecisionOutcome {
    const decision: AcceptedDecision = {
      questionId: question.id,
      kind: question.kind,
      stepId: question.stepId,
      decision: input.decision,
      actor: input.actor,
      comment: input.comment,
      level: question.level,
      at: new Date().toISOString(),
    };
    this.accepted.push(decision);
    if (question.kind === 'approval' && input.decision === 'approve') {
      question.approvals.push(decision);
      if (question.approvals.length < question.approvalsNeeded) {
        const reason = `approval ${question.approvals.length} of ${question.approvalsNeeded} distinct approvers`;
        this.tracker.record('decision accepted', { actor: input.actor, stepId: question.stepId, detail: `approve (${reason})` });
        return { status: 'partial', questionId: question.id, reason };
      }
    }
    question.answer = decision;
    this.tracker.record('decision accepted', { actor: input.actor, stepId: question.stepId, detail: input.comment ? `${input.decision}: ${input.comment}` : input.decision });
    return { status: 'accepted', questionId: question.id };
  }

  /** Actors and groups of the current level and every earlier one may decide, and the break-glass groups. */
  private mayDecide(input: DecisionInput, level: number): boolean {
    return this.breakGlass(input.groups) || this.levels.slice(0, level + 1).some((l) => this.named(l, input.actor, input.groups));
  }

  /** Anyone who may decide at some level, or break glass (used to authorize manual rollback requests). */
  isDecider(actor: string, groups: string[] = []): boolean {
    return this.breakGlass(groups) || this.levels.some((l) => this.named(l, actor, groups));
  }

  /** Whether two actors are the same person under the current rules. */
  same(a: string, b: string): boolean {
    return this.rules.strict ? sameActor(a, b) : a === b;
  }

  private named(level: EscalationLevel, actor: string, groups: string[] = []): boolean {
    return level.deciders.actors.some((a) => this.same(a, actor)) || groups.some((g) => level.deciders.groups.includes(g));
  }

  private breakGlass(groups: string[] = []): boolean {
    return groups.some((g) => this.rules.breakGlassGroups.includes(g));
  }
}

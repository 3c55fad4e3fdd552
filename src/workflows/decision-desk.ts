import { condition, patched, uuid4 } from '@temporalio/workflow';
import {
  questionOptions,
  type DecisionInput,
  type DecisionName,
  type DecisionOutcome,
  type QuestionKind,
} from '../domain/decisions';
import { durationMs } from '../domain/durations';
import type { EscalationLevel } from '../domain/policy';
import { TimelineEventName } from '../domain/timeline-events';
import type { ChangeTracker } from './change-tracker';
import {
  isDecider,
  judgeDecision,
  legacyRules,
  same,
  type DecisionRules,
  type JudgedQuestion,
  type Refusal,
} from './decision-rules';
import type { AcceptedDecision, ChangePhase, PendingQuestion } from '../domain/status';

export type { DecisionRules, Refusal } from './decision-rules';

/** A question to ask until it is settled, and what to do when nobody answers in time. */
export interface DecisionRequest {
  kind: QuestionKind;
  prompt: string;
  stepId?: string;
  /** Distinct approvers needed (risk: high asks for two). */
  approvalsNeeded?: number;
  /**
   * When every level's deadline has passed: `hold` waits at the last level without deadline until
   * someone answers; `return` answers `exhausted`, and the caller applies the policy's default (or,
   * for a compensation, tries the restore again before asking again, holding).
   */
  whenExhausted: 'hold' | 'return';
  /** The first ask already waits without deadline, at the first level (policy `onStepFailure: hold`). */
  holdFromStart?: boolean;
  /** An answer that means "keep waiting without deadline" (the step-failure question's `hold`). */
  holdOn?: DecisionName;
  /**
   * The phase the change shows while the question escalates, while it holds, and once an answer
   * lets it go on (approve, retry, skip); an answer that rolls back leaves the phase to the rollback.
   */
  phases?: { escalating: ChangePhase; holding: ChangePhase; answered?: ChangePhase };
}

/** The answers after which the change goes on with its steps. */
const goingOn: ReadonlySet<DecisionName> = new Set<DecisionName>(['approve', 'retry', 'skip']);

/**
 * Patches of what the desk shows (each adds an upsert or takes one away, so runs recorded before
 * take the old path on replay; histories in test/histories/v7-*, v8-*).
 */
const patches = {
  /** Before, every answer showed `applying`, even one that rolled back or held (a spurious timeline entry). */
  applyingOnlyWhenGoingOn: () => patched('applying-only-when-going-on'),
  /** Before, `EscalationLevel` went back to 0 when the question closed, so `EscalationLevel >= 1` missed finished changes. */
  escalationLevelHighestReached: () => patched('escalation-level-highest-reached'),
};

/** How a question ended: a decision, every level's deadline passed (`return`), or a manual rollback request. */
export type Decided = { decision: AcceptedDecision } | { exhausted: true } | { interrupted: true };

/**
 * Where one question stands across asks: escalating from the first level, or holding at the last
 * without deadline once its escalation ran out. A compensation keeps one across restore attempts,
 * so a restore that fails again after an exhausted escalation is asked about holding.
 */
export class Escalation {
  holding: boolean;
  constructor(private readonly fromStart = false) {
    this.holding = fromStart;
  }

  /** A question held from the start waits at the first level; one that escalated, at the last. */
  startLevel(levels: number): number {
    return this.holding && !this.fromStart ? levels - 1 : 0;
  }
}

interface OpenQuestion extends JudgedQuestion {
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
 * deadline; when it passes, the next level is asked and who may decide widens; after the last, the
 * question holds or gives up as its request says. Decisions that arrive before a question exists
 * are kept and applied when it is asked.
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
    return this.open.map(asPending);
  }

  get decisions(): AcceptedDecision[] {
    return [...this.accepted];
  }

  /** The highest escalation level any open question has reached (0 when none is open). */
  get escalationLevel(): number {
    return Math.max(0, ...this.open.map((q) => q.level));
  }

  /**
   * Judges a decision without changing anything. The update validator passes `segregation`, so
   * runs older than the floor refuse what interfaces always refused before sending, and `phase`,
   * so "nothing is asked" names where the change stands, as interfaces always answered.
   */
  check(
    input: DecisionInput,
    options: { segregation?: boolean; phase?: string } = {},
  ): { question: OpenQuestion } | { refusal: Refusal } {
    return judgeDecision(this.open, input, {
      levels: this.levels,
      requestedBy: this.requestedBy,
      rules: this.rules,
      accepted: this.accepted,
      repeats: this.repeats,
      ...options,
    });
  }

  /** Takes a decision from a signal or an update; refusals are recorded and change nothing. */
  receive(input: DecisionInput, via: 'signal' | 'update'): DecisionOutcome {
    if (this.open.length === 0 && via === 'signal') {
      this.early.push(input);
      this.tracker.record('decision kept until asked', { actor: input.actor, detail: input.decision });
      return { status: 'queued' };
    }
    const checked = this.check(input);
    if ('refusal' in checked) {
      this.tracker.record('decision refused', {
        actor: input.actor,
        detail: `${input.decision}: ${checked.refusal.reason}`,
      });
      return { status: 'refused', reason: checked.refusal.reason };
    }
    return this.accept(checked.question, input);
  }

  /**
   * Asks until the question is settled — the one escalate-then-hold loop: escalating level by
   * level on each deadline; when the last has passed, or the answer is the request's `holdOn`,
   * waiting at the last level without deadline (or answering `exhausted`, for `return`). Pass an
   * `escalation` to carry where the question stands into a later ask of the same question.
   */
  async decide(request: DecisionRequest, escalation = new Escalation(request.holdFromStart)): Promise<Decided> {
    for (;;) {
      if (request.phases)
        this.tracker.setPhase(escalation.holding ? request.phases.holding : request.phases.escalating);
      const answer = await this.ask(request, escalation);
      if (request.phases?.answered && (goesOn(answer) || !patches.applyingOnlyWhenGoingOn()))
        this.tracker.setPhase(request.phases.answered);
      if ('decision' in answer && answer.decision.decision !== request.holdOn) return answer;
      if ('interrupted' in answer) return answer;
      // Exhausted, or told to hold: from now on the question waits without deadline.
      escalation.holding = true;
      if ('exhausted' in answer && request.whenExhausted === 'return') return answer;
    }
  }

  /** Asks once and waits for a decision, escalating on each deadline while the question escalates. */
  private async ask(request: DecisionRequest, escalation: Escalation): Promise<Decided> {
    const mode = escalation.holding ? 'hold' : 'escalate';
    const question: OpenQuestion = {
      id: uuid4(),
      kind: request.kind,
      stepId: request.stepId,
      prompt: request.prompt,
      options: [...questionOptions[request.kind]],
      level: 0,
      mode,
      approvalsNeeded: request.approvalsNeeded ?? 1,
      askedAt: new Date().toISOString(),
      mayDecide: [],
      approvals: [],
    };
    this.open.push(question);
    try {
      this.askLevel(question, Math.min(escalation.startLevel(this.levels.length), this.levels.length - 1));
      for (const input of this.early.splice(0)) this.receive(input, 'update');
      for (;;) {
        const deadline = question.mode === 'escalate' ? this.levels[question.level]!.deadline : undefined;
        const settled = () => question.answer !== undefined || this.hooks.interrupted();
        const inTime = deadline === undefined ? (await condition(settled), true) : await condition(settled, deadline);
        if (question.answer) return { decision: question.answer };
        if (this.hooks.interrupted()) return { interrupted: true };
        if (!inTime && question.level + 1 < this.levels.length) {
          this.askLevel(question, question.level + 1);
          this.tracker.record(TimelineEventName.Escalated, {
            stepId: question.stepId,
            detail: `no decision in ${deadline}; asking ${this.levels[question.level]!.name}`,
          });
        } else if (!inTime) {
          this.tracker.record(TimelineEventName.EscalationExhausted, {
            stepId: question.stepId,
            detail: `no decision from any level for the ${question.kind} question`,
          });
          return { exhausted: true };
        }
      }
    } finally {
      this.open.splice(this.open.indexOf(question), 1);
      if (!patches.escalationLevelHighestReached()) this.tracker.setEscalationLevel(this.escalationLevel);
    }
  }

  private askLevel(question: OpenQuestion, level: number): void {
    question.level = level;
    const deadline = this.levels[level]!.deadline;
    question.deadline =
      question.mode === 'escalate' ? new Date(Date.now() + durationMs(deadline)).toISOString() : undefined;
    question.mayDecide = this.levels.slice(0, level + 1).map((l) => ({ level: l.name, ...l.deciders }));
    if (this.rules.breakGlassGroups.length > 0)
      question.mayDecide.push({ level: 'break-glass', actors: [], groups: [...this.rules.breakGlassGroups] });
    this.tracker.setEscalationLevel(this.escalationLevel, patches.escalationLevelHighestReached());
    this.tracker.record(TimelineEventName.DecisionAsked, {
      stepId: question.stepId,
      detail: `${question.kind} → ${this.levels[level]!.name}: ${question.prompt}`,
    });
    // As the status shows it: who approved so far is the desk's own bookkeeping, not for notifications.
    this.hooks.onLevelAsked(asPending(question), this.levels[level]!);
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
        this.tracker.record('decision accepted', {
          actor: input.actor,
          stepId: question.stepId,
          detail: `approve (${reason})`,
        });
        return { status: 'partial', questionId: question.id, reason };
      }
    }
    question.answer = decision;
    this.tracker.record('decision accepted', {
      actor: input.actor,
      stepId: question.stepId,
      detail: input.comment ? `${input.decision}: ${input.comment}` : input.decision,
    });
    return { status: 'accepted', questionId: question.id };
  }

  /** Anyone who may decide at some level, or break glass (used to authorize manual rollback requests). */
  isDecider(actor: string, groups: string[] = []): boolean {
    return isDecider({ levels: this.levels, rules: this.rules }, actor, groups);
  }

  /** Whether two actors are the same person under the current rules. */
  same(a: string, b: string): boolean {
    return same(this.rules, a, b);
  }
}

function goesOn(answer: Decided): boolean {
  return 'decision' in answer && goingOn.has(answer.decision.decision);
}

function asPending({ approvals: _approvals, answer: _answer, ...question }: OpenQuestion): PendingQuestion {
  return question;
}

import { CauseType, type ChangeCause } from './causes';
import type { RollbackCategory } from './decisions';
import { periodKeys } from './periods';
import type { ChangeReport } from './status';
import type { TargetKind } from './targets/index';
import { TimelineEventName } from './timeline-events';

/**
 * Bump when the derivation changes: reports whose facts carry another version are derived again
 * on the next insights read, so figures never mix two definitions.
 */
export const INSIGHT_FACTS_VERSION = 1;

/** How a report ended, as the change failure rate counts it. */
export const insightOutcomes = ['completed', 'rolled-back', 'rejected', 'other'] as const;
export type InsightOutcome = (typeof insightOutcomes)[number];

/** What started a rollback: a step's own failure, or one of the run's causes (CauseType). */
export type InsightCause = 'StepFailed' | (typeof CauseType)[keyof typeof CauseType];

/** At most this many answered questions' waits are kept per report (a change asks a handful). */
export const MAX_WAITS_PER_REPORT = 200;

/**
 * The small, bounded figures the insights aggregate, derived from a report when it is stored
 * (`insights` on the stored report). Every field is always present (null, not missing), so a
 * group key means the same on every MongoDB-protocol server.
 */
export interface InsightFacts {
  v: number;
  /** When the report's run settled (`finishedAt`): the time range and the periods use it. */
  at: Date;
  day: string;
  week: string;
  month: string;
  /** A change, or the rollback of a finished change run later (`rollsBack`). */
  run: 'change' | 'rollback-later';
  outcome: InsightOutcome;
  /** The target kinds of the report's steps, each once. */
  kinds: TargetKind[];
  /** Detection → restored and verified (validated when configured), when the run rolled back. */
  ttrMs: number | null;
  /** Answered questions, and the sum of their waits (asked → answered) in milliseconds. */
  questions: number;
  waitMs: number;
  /** Times a question went unanswered past its deadline and the next level was asked. */
  escalations: number;
  /** For a rollback: what started it, the category a person gave, the trigger that fired. */
  cause: InsightCause | null;
  category: RollbackCategory | null;
  trigger: { name: string; source: string } | null;
  /** For a rollback: the step whose failure started it, or the last step that failed before it. */
  failingStep: { id: string; target: TargetKind } | null;
}

/** What is written on a stored report: the facts, and each answered question's wait, one number each. */
export interface DerivedInsights {
  facts: InsightFacts;
  /**
   * The waits, kept beside the facts rather than in them: some MongoDB-protocol servers (FerretDB)
   * unwind top-level arrays only, and the wait percentiles unwind these.
   */
  waitsMs: number[];
}

/** The report's fields the derivation reads, which are also all a backfill needs to load. */
export const insightSourceFields = [
  'phase',
  'steps',
  'finishedAt',
  'cause',
  'timeToRecoverMs',
  'recovery',
  'rollbackRequest',
  'trigger',
  'decisions',
  'timeline',
  'rollsBack',
] as const;

export type InsightSource = Pick<ChangeReport, (typeof insightSourceFields)[number]>;

const runCauses = new Set<string>(Object.values(CauseType));

function causeOf(cause: ChangeCause | undefined): InsightCause | null {
  if (!cause) return null;
  return runCauses.has(cause.type ?? '') ? (cause.type as InsightCause) : 'StepFailed';
}

function outcomeOf(phase: string): InsightOutcome {
  return phase === 'completed' || phase === 'rolled-back' || phase === 'rejected' ? phase : 'other';
}

/** `lead-events: acceptance-rate` → `lead-events`; `prometheus: <query>` → `prometheus`. */
function triggerSource(metric: string): string {
  const source = metric.split(':', 1)[0]!.trim();
  return source === 'lead-events' || source === 'prometheus' ? source : 'other';
}

/**
 * The facts of a report. `fallbackAt` stands in for a `finishedAt` that does not parse (a report
 * stored by hand), so every report lands in some period.
 */
export function deriveInsights(report: InsightSource, fallbackAt: Date): DerivedInsights {
  const finished = Date.parse(report.finishedAt);
  const at = Number.isNaN(finished) ? fallbackAt : new Date(finished);
  const outcome = outcomeOf(report.phase);
  const rolledBack = outcome === 'rolled-back';
  const cause = rolledBack ? causeOf(report.cause) : null;
  // The step named by the cause, else the last apply that failed before a person or a trigger rolled back.
  const lastFailed = report.timeline.filter((e) => e.event === TimelineEventName.StepFailed && e.stepId).pop();
  const failingId = !rolledBack ? undefined : cause === 'StepFailed' ? report.cause?.stepId : lastFailed?.stepId;
  const failingTarget = report.steps.find((s) => s.id === failingId)?.target;
  const ttr = report.timeToRecoverMs ?? report.recovery?.timeToRecoverMs;
  const waitsMs = decisionWaits(report).slice(0, MAX_WAITS_PER_REPORT);
  const facts: InsightFacts = {
    v: INSIGHT_FACTS_VERSION,
    at,
    ...periodKeys(at),
    run: report.rollsBack ? 'rollback-later' : 'change',
    outcome,
    kinds: [...new Set(report.steps.map((s) => s.target))].sort(),
    ttrMs: typeof ttr === 'number' && Number.isFinite(ttr) && ttr >= 0 ? ttr : null,
    questions: waitsMs.length,
    waitMs: waitsMs.reduce((sum, ms) => sum + ms, 0),
    escalations: report.timeline.filter((e) => e.event === TimelineEventName.Escalated).length,
    cause,
    category: rolledBack ? (report.rollbackRequest?.category ?? null) : null,
    trigger:
      rolledBack && report.trigger ? { name: report.trigger.name, source: triggerSource(report.trigger.metric) } : null,
    failingStep: failingId && failingTarget ? { id: failingId, target: failingTarget } : null,
  };
  return { facts, waitsMs };
}

/**
 * How long each answered question waited on people: from when it was first asked (its first
 * `decision asked`; escalations ask it again) to the decision that answered it (the last accepted
 * decision of its question id: approvals needing two approvers end at the second). Questions are
 * told apart by step (a change asks one question per step at a time); a question whose last
 * level timed out, or that a rollback request or cancellation interrupted, waited for nobody's
 * answer and is not counted. Times are workflow times, so they are the same on every replay.
 */
export function decisionWaits(report: Pick<ChangeReport, 'decisions' | 'timeline'>): number[] {
  type Mark = { at: number; order: number; kind: 'ask' | 'answer' | 'drop' | 'dropAll'; step: string };
  const key = (stepId: string | undefined) => stepId ?? '';
  const marks: Mark[] = [];
  report.timeline.forEach((event, order) => {
    const at = Date.parse(event.at);
    if (event.event === TimelineEventName.DecisionAsked)
      marks.push({ at, order, kind: 'ask', step: key(event.stepId) });
    else if (event.event === TimelineEventName.EscalationExhausted)
      marks.push({ at, order, kind: 'drop', step: key(event.stepId) });
    else if (event.event === TimelineEventName.RollbackRequested || event.event === TimelineEventName.ChangeCancelled)
      marks.push({ at, order, kind: 'dropAll', step: '' });
  });
  const answered = new Map<string, { at: number; step: string }>();
  for (const decision of report.decisions) {
    const at = Date.parse(decision.at);
    const last = answered.get(decision.questionId);
    if (!last || at >= last.at) answered.set(decision.questionId, { at, step: key(decision.stepId) });
  }
  // Answers sort after asks and drops of the same instant: workflow time stands still within a task.
  for (const { at, step } of answered.values())
    marks.push({ at, order: Number.MAX_SAFE_INTEGER, kind: 'answer', step });
  marks.sort((a, b) => a.at - b.at || a.order - b.order);

  const openSince = new Map<string, number>();
  const waits: number[] = [];
  for (const mark of marks) {
    if (Number.isNaN(mark.at)) continue;
    if (mark.kind === 'ask') {
      if (!openSince.has(mark.step)) openSince.set(mark.step, mark.at);
    } else if (mark.kind === 'drop') openSince.delete(mark.step);
    else if (mark.kind === 'dropAll') openSince.clear();
    else {
      const since = openSince.get(mark.step);
      if (since === undefined) continue;
      waits.push(Math.max(0, mark.at - since));
      openSince.delete(mark.step);
    }
  }
  return waits;
}

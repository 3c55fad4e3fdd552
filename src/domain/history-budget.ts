import type { Step } from './change-request';
import { durationMs } from './durations';
import { changeLockKeys } from './locks';
import { worstLockAttempts } from './lock-polls';
import type { Policy } from './policy';
import { isIrreversible } from './step-policy';
import type { FieldIssue } from './validation';

/**
 * The history budget: the most events the change workflow may be able to write for a request,
 * counted for its worst path before it starts. Temporal warns at 10 240 events and terminates a
 * run at 51 200 — after steps were applied, with compensations never run and locks held — so a
 * request whose worst case is above the budget is refused, naming the field that costs most. The
 * distance to 10 240 is left for what no request decides (workflow tasks retried after a worker
 * died, about three events each). Pure: the schema, the worker and the tests share it.
 */
export const HISTORY_EVENT_BUDGET = 9_000;

/**
 * Decisions that reopen work (a step applied again, a restore tried again) are refused after
 * this many per change; the decisions that settle the question (skip, roll back,
 * resolved-manually) stay open. Without a bound, people could grow one history forever.
 */
export const DECISION_REPEATS = { retry: 3, 'retry-compensation': 3 } as const;

/**
 * Events per unit of work, as measured in the stored histories (test/histories): each is its own
 * events plus the workflow task that wakes the workflow after it (WorkflowTaskScheduled, Started,
 * Completed), counted even where the real server folds several into one task.
 */
export const eventCosts = {
  /** ActivityTaskScheduled, Started, Completed (or Failed) + a workflow task. */
  activity: 6,
  /** TimerStarted, TimerFired + a workflow task. */
  timer: 5,
  /** WorkflowExecutionUpdateAccepted, Completed + a workflow task, and the deadline timer it cancels. */
  decision: 6,
  /** UpsertWorkflowSearchAttributes (phase, escalation level) and MarkerRecorded (patches). */
  upsert: 1,
  marker: 1,
  /** WorkflowExecutionStarted and the first workflow task. */
  start: 4,
  /** WorkflowExecutionCancelRequested + a workflow task. */
  cancelRequest: 4,
  close: 1,
} as const;

/** Patches the change workflow records (one marker each): src/workflows/*. */
const PATCH_MARKERS = 5;
/** Phase upserts outside questions: approval, lock wait, applying, observing, rolling back, and the final phase. */
const PHASE_UPSERTS = 8;

export interface BudgetInput {
  risk: 'low' | 'medium' | 'high';
  steps: Step[];
  policy: Policy;
}

/** One part of the estimate: the field that drives it, its events and how they were counted. */
export interface BudgetPart {
  path: string;
  events: number;
  why: string;
}

export interface HistoryEstimate {
  events: number;
  budget: number;
  parts: BudgetPart[];
}

const c = eventCosts;

/**
 * Worst-case events of the change workflow for a request: every step fails and is retried as
 * often as allowed, every question runs through every level and then holds, every compensation
 * fails and is retried, the observation runs its whole window, the rollback does not validate.
 * Paths that exclude each other are added up, so the estimate is never below a real run.
 */
export function estimateHistory(request: BudgetInput): HistoryEstimate {
  const { policy, steps } = request;
  const levels = policy.escalation?.levels.length ?? 1;
  const holdsAfterwards = policy.escalation?.whenExhausted === 'hold';
  const approval = policy.approval ?? (request.risk === 'high' ? 'required' : 'none');
  const asksOnFailure = policy.onStepFailure !== 'rollback';
  const stepRetries = asksOnFailure ? DECISION_REPEATS.retry : 0;
  const compensationRetries = DECISION_REPEATS['retry-compensation'];

  // One question: every level asked (a notification, a level upsert, a deadline timer), the level
  // reset, the phase set and restored, and the decisions that answer it.
  const ask = (asked: number, timers: number, decisions: number) => asked * (c.activity + c.upsert) + timers * c.timer + c.upsert + 2 * c.upsert + decisions * c.decision;
  const escalating = ask(levels, levels, 1);
  const holding = ask(1, 0, 1);
  const question = (decisions: number, thenHold: boolean) => ask(levels, levels, decisions) + (thenHold ? ask(1, 0, decisions) : 0);

  const parts: BudgetPart[] = [];
  const fixed = c.start + PATCH_MARKERS + 3 * c.activity + c.close + PHASE_UPSERTS * c.upsert + c.decision + c.cancelRequest + 2 * c.activity;
  parts.push({ path: '', events: fixed, why: `start, stored request, locks released, report, rollback notices: ${fixed}` });

  if (approval === 'required') {
    const events = question(request.risk === 'high' ? 2 : 1, holdsAfterwards);
    parts.push({ path: 'policy.approval', events, why: `the approval question over ${levels} level(s): ${events}` });
  }

  if (changeLockKeys(steps).length > 0) {
    const maxWait = policy.locks.maxWait;
    const attempts = policy.locks.onBusy === 'refuse' ? 1 : worstLockAttempts(durationMs(maxWait));
    const events = attempts * c.activity + (attempts - 1) * c.timer + c.upsert;
    parts.push({ path: 'policy.locks.maxWait', events, why: `maxWait ${maxWait} = up to ${fmt(attempts)} lock attempts × 11 events = ${fmt(events)}` });
  }

  // Per step: recovery point, apply (and verify), its failure notice, two restores (the second
  // after the question held), two failure notices, the post-rollback validation.
  const applyCost = (step: Step) => c.activity + (step.target === 'lead-data' ? 2 : 1) * c.activity;
  const restoreCost = (step: Step) => (step.target === 'lead-data' ? 2 : 1) * c.activity;
  const perStep = steps.map((step) => applyCost(step) + 2 * restoreCost(step) + 2 * c.activity + c.activity + (asksOnFailure ? c.activity : 0));
  const dearest = Math.max(...steps.map(applyCost));
  const dearestRestore = Math.max(...steps.map(restoreCost));
  const stepEvents =
    sum(perStep) + (asksOnFailure ? 0 : c.activity) + stepRetries * (dearest + c.activity) + compensationRetries * (2 * dearestRestore + 2 * c.activity);
  parts.push({
    path: 'steps',
    events: stepEvents,
    why: `${steps.length} step(s) × up to ${Math.max(...perStep)} events (recovery point, apply, verify, failure notice, restore tried twice, validation), with ${stepRetries + compensationRetries} retries: ${fmt(stepEvents)}`,
  });

  // Questions: one per irreversible step, per failed step (and retry), per failed compensation
  // (and retry), one after the observation, one when the rollback does not validate.
  const irreversible = steps.filter(isIrreversible).length;
  const failureQuestions = asksOnFailure ? steps.length + stepRetries : 0;
  const failureQuestion = policy.onStepFailure === 'hold' ? holding : escalating + holding;
  const compensationQuestions = steps.length + compensationRetries;
  const observe = policy.observe;
  const asksAfterObservation = observe !== undefined && (observe.onTrigger === 'ask' || observe.onInconclusive === 'ask');
  const questionEvents =
    irreversible * question(1, holdsAfterwards) +
    failureQuestions * failureQuestion +
    compensationQuestions * (escalating + holding) +
    (asksAfterObservation ? question(1, holdsAfterwards) : 0) +
    c.activity +
    escalating +
    holding;
  const questions = irreversible + failureQuestions + compensationQuestions + (asksAfterObservation ? 1 : 0) + 1;
  parts.push({
    path: policy.escalation ? 'policy.escalation.levels' : 'steps',
    events: questionEvents,
    why: `${fmt(questions)} possible question(s) × ${levels} escalation level(s) (a notification and a deadline each, then holding): ${fmt(questionEvents)}`,
  });

  if (observe) {
    const samples = Math.ceil(durationMs(observe.bakeTime) / durationMs(observe.interval));
    const perSample = c.timer + c.activity;
    const events = (observe.baselineWindow ? c.activity : 0) + samples * perSample + c.upsert + c.activity + c.upsert;
    parts.push({
      path: 'policy.observe.interval',
      events,
      why: `bakeTime ${observe.bakeTime} / interval ${observe.interval} = ${fmt(samples)} samples × ${perSample} events (a timer and one sampling of all ${observe.triggers.length} trigger(s)) = ${fmt(events)}`,
    });
    if (observe.recoveryWindow) {
      parts.push({ path: 'policy.observe.recoveryWindow', events: c.timer + c.activity, why: `one recovery sample: ${c.timer + c.activity}` });
    }
  }

  return { events: sum(parts.map((p) => p.events)), budget: HISTORY_EVENT_BUDGET, parts };
}

/** The request's budget issue, naming the field of the largest part; none when it fits. */
export function historyBudgetIssues(request: BudgetInput): FieldIssue[] {
  const estimate = estimateHistory(request);
  if (estimate.events <= estimate.budget) return [];
  const [largest, ...others] = [...estimate.parts].sort((a, b) => b.events - a.events);
  const also = others.filter((p) => p.path && p.events > 0).slice(0, 2).map((p) => `${p.path}: ${fmt(p.events)}`);
  return [
    {
      path: largest!.path,
      message:
        `worst case ≈ ${fmt(estimate.events)} history events, budget ${fmt(estimate.budget)}: ${largest!.why}` +
        (also.length ? ` (then ${also.join(', ')})` : '') +
        '; shorten it or split the change',
    },
  ];
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** 1 900 800: thousands apart, as people read counts. */
function fmt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

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
const PATCH_MARKERS = 9;
/** Phase upserts outside questions: approval, lock wait, applying, observing, rolling back, and the final phase. */
const PHASE_UPSERTS = 8;

export interface BudgetInput {
  title?: string;
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
  const { levels, holdsAfterwards, approval, asksOnFailure, stepRetries, compensationRetries } = worstShape(request);

  // One question: every level asked (a notification, a level upsert, a deadline timer), the level
  // reset, the phase set and restored, and the decisions that answer it.
  const ask = (asked: number, timers: number, decisions: number) =>
    asked * (c.activity + c.upsert) + timers * c.timer + c.upsert + 2 * c.upsert + decisions * c.decision;
  const escalating = ask(levels, levels, 1);
  const holding = ask(1, 0, 1);
  const question = (decisions: number, thenHold: boolean) =>
    ask(levels, levels, decisions) + (thenHold ? ask(1, 0, decisions) : 0);

  const parts: BudgetPart[] = [];
  const fixed =
    c.start +
    PATCH_MARKERS +
    4 * c.activity +
    c.close +
    PHASE_UPSERTS * c.upsert +
    // A manual rollback request, and the admission update the starting client sends.
    2 * c.decision +
    c.cancelRequest +
    2 * c.activity;
  parts.push({
    path: '',
    events: fixed,
    why: `start, policy floor check, stored request, admission, locks released, report, rollback notices: ${fixed}`,
  });

  if (approval === 'required') {
    const events = question(request.risk === 'high' ? 2 : 1, holdsAfterwards);
    parts.push({ path: 'policy.approval', events, why: `the approval question over ${levels} level(s): ${events}` });
  }

  if (changeLockKeys(steps).length > 0) {
    // Requests stored before locks existed have none; the workflow waits by the default then.
    const { onBusy, maxWait } = (policy.locks as Policy['locks'] | undefined) ?? { onBusy: 'wait', maxWait: '1h' };
    const attempts = onBusy === 'refuse' ? 1 : worstLockAttempts(durationMs(maxWait));
    const events = attempts * c.activity + (attempts - 1) * c.timer + c.upsert;
    parts.push({
      path: 'policy.locks.maxWait',
      events,
      why: `maxWait ${maxWait} = up to ${fmt(attempts)} lock attempts × 11 events = ${fmt(events)}`,
    });
  }

  // Per step: recovery point, apply (and verify), its failure notice, two restores (the second
  // after the question held), two failure notices, the post-rollback validation.
  const applyCost = (step: Step) => c.activity + (step.target === 'lead-data' ? 2 : 1) * c.activity;
  const restoreCost = (step: Step) => (step.target === 'lead-data' ? 2 : 1) * c.activity;
  const perStep = steps.map(
    (step) => applyCost(step) + 2 * restoreCost(step) + 2 * c.activity + c.activity + (asksOnFailure ? c.activity : 0),
  );
  const dearest = Math.max(...steps.map(applyCost));
  const dearestRestore = Math.max(...steps.map(restoreCost));
  const stepEvents =
    sum(perStep) +
    (asksOnFailure ? 0 : c.activity) +
    stepRetries * (dearest + c.activity) +
    compensationRetries * (2 * dearestRestore + 2 * c.activity);
  parts.push({
    path: 'steps',
    events: stepEvents,
    why: `${steps.length} step(s) × up to ${Math.max(...perStep)} events (recovery point, apply, verify, failure notice, restore tried twice, validation), with ${stepRetries + compensationRetries} retries: ${fmt(stepEvents)}`,
  });

  // Questions: one per irreversible step, per failed step (and retry), per failed compensation
  // (and retry), one after the observation, one when the rollback does not validate.
  const { irreversible, failureQuestions, compensationQuestions, asksAfterObservation, samples } = worstShape(request);
  const failureQuestion = policy.onStepFailure === 'hold' ? holding : escalating + holding;
  const observe = policy.observe;
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
    const perSample = c.timer + c.activity;
    const events = (observe.baselineWindow ? c.activity : 0) + samples * perSample + c.upsert + c.activity + c.upsert;
    parts.push({
      path: 'policy.observe.interval',
      events,
      why: `bakeTime ${observe.bakeTime} / interval ${observe.interval} = ${fmt(samples)} samples × ${perSample} events (a timer and one sampling of all ${observe.triggers.length} trigger(s)) = ${fmt(events)}`,
    });
    if (observe.recoveryWindow) {
      parts.push({
        path: 'policy.observe.recoveryWindow',
        events: c.timer + c.activity,
        why: `one recovery sample: ${c.timer + c.activity}`,
      });
    }
  }

  return { events: sum(parts.map((p) => p.events)), budget: HISTORY_EVENT_BUDGET, parts };
}

/** The numbers both estimates start from: how many of each expensive thing the worst path holds. */
function worstShape(request: BudgetInput) {
  const { policy, steps } = request;
  const levels = policy.escalation?.levels.length ?? 1;
  const holdsAfterwards = policy.escalation?.whenExhausted === 'hold';
  const approval = policy.approval ?? (request.risk === 'high' ? 'required' : 'none');
  const asksOnFailure = policy.onStepFailure !== 'rollback';
  const stepRetries = asksOnFailure ? DECISION_REPEATS.retry : 0;
  const compensationRetries = DECISION_REPEATS['retry-compensation'];
  const observe = policy.observe;
  const asksAfterObservation =
    observe !== undefined && (observe.onTrigger === 'ask' || observe.onInconclusive === 'ask');
  const irreversible = steps.filter(isIrreversible).length;
  const failureQuestions = asksOnFailure ? steps.length + stepRetries : 0;
  const compensationQuestions = steps.length + compensationRetries;
  const samples = observe ? Math.ceil(durationMs(observe.bakeTime) / durationMs(observe.interval)) : 0;
  // Notifications: per level asked, per failure and failed compensation, and the rollback's own.
  const escalatingAsks =
    (approval === 'required' ? 1 : 0) +
    irreversible +
    (policy.onStepFailure === 'ask' ? failureQuestions : 0) +
    compensationQuestions +
    (asksAfterObservation ? 1 : 0) +
    1;
  const holdingAsks =
    (holdsAfterwards ? (approval === 'required' ? 1 : 0) + irreversible + (asksAfterObservation ? 1 : 0) : 0) +
    failureQuestions +
    compensationQuestions +
    1;
  const notifications =
    escalatingAsks * levels +
    holdingAsks +
    (asksOnFailure ? steps.length + stepRetries : 1) +
    2 * compensationQuestions +
    4;
  // One answer a question, two for a risk-high approval or a step failure first put on hold.
  const questions =
    (approval === 'required' ? 1 : 0) +
    irreversible +
    failureQuestions +
    compensationQuestions +
    (asksAfterObservation ? 1 : 0) +
    1;
  const decisions =
    questions +
    (approval === 'required' && request.risk === 'high' ? 1 : 0) +
    (policy.onStepFailure === 'ask' ? failureQuestions : 0) +
    1;
  return {
    levels,
    holdsAfterwards,
    approval,
    asksOnFailure,
    stepRetries,
    compensationRetries,
    irreversible,
    failureQuestions,
    compensationQuestions,
    asksAfterObservation,
    samples,
    notifications,
    decisions,
  };
}

/**
 * Bytes, the other history limit: Temporal warns at 10 MiB of history and refuses any one
 * payload over 2 MiB (the report is one). What a request's own text multiplies is counted from
 * the request — the step in every step activity, every trigger in every sampling, the deciders
 * of every level in every notification, the title in every question — and the rest at
 * BYTES_PER_EVENT, measured on the worst accepted runs (about 260 bytes an event there, requests' text aside).
 */
export const HISTORY_BYTES_BUDGET = 8 * 1024 * 1024;
export const REPORT_BYTES_BUDGET = 1536 * 1024;
const BYTES_PER_EVENT = 250;
/** What a notification or a question's prompt holds besides the request's text (summary, failure message). */
const NOTIFICATION_BYTES = 1500;
/** A sample's answer per trigger (value, traffic, an unavailability reason of at most UNAVAILABLE_CHARS). */
const SAMPLE_RESULT_BYTES = 160;
/** How much of a metric source's refusal a sample keeps (it is repeated in every sample). */
export const UNAVAILABLE_CHARS = 120;
/** A decision as it is sent and kept (comment of up to 2 000 characters) and a timeline line. */
const DECISION_BYTES = 2 * 2100;
/** A timeline line without a prompt; one for every four events at most. */
const TIMELINE_LINE_BYTES = 150;
/** The timeline line of a question asked, besides the title: level, kind, prompt and failure message. */
const QUESTION_LINE_BYTES = 600;
/** A step's status in the report (recovery point, outcomes, error, manual resolution). */
const STEP_STATUS_BYTES = 4000;

export interface BytesEstimate {
  bytes: number;
  reportBytes: number;
  titleBytes: number;
  parts: { path: string; bytes: number; why: string }[];
}

export function estimateHistoryBytes(request: BudgetInput, events = estimateHistory(request).events): BytesEstimate {
  const { policy, steps } = request;
  const shape = worstShape(request);
  const size = (value: unknown) => utf8Bytes(value);
  const title = size(request.title ?? '');
  const deciders = size(policy.escalation?.levels.map((l) => [l.deciders, l.notify]) ?? []);
  const stepInputs = (step: Step) => (step.target === 'lead-data' ? 8 : 5);
  const largestStep = Math.max(...steps.map(size));
  const stepBytes =
    sum(steps.map((step) => size(step) * stepInputs(step))) +
    (shape.stepRetries * 3 + shape.compensationRetries * 4) * largestStep;
  const observe = policy.observe;
  const triggers = observe
    ? size(observe.triggers) + size(observe.flows ?? []) + observe.triggers.length * SAMPLE_RESULT_BYTES
    : 0;
  const sampleBytes = (shape.samples + 2) * triggers;
  const notificationBytes = shape.notifications * (NOTIFICATION_BYTES + 2 * title + deciders);
  const timeline =
    (events / 4) * TIMELINE_LINE_BYTES +
    shape.notifications * (title + QUESTION_LINE_BYTES) +
    shape.decisions * DECISION_BYTES;
  const reportBytes =
    timeline +
    steps.length * STEP_STATUS_BYTES +
    Math.min(500, shape.samples * (observe?.triggers.length ?? 0)) * TIMELINE_LINE_BYTES +
    title;
  const parts = [
    { path: 'steps', bytes: stepBytes, why: `each step's spec in every activity of it: ${kib(stepBytes)}` },
    {
      path: 'policy.observe.triggers',
      bytes: sampleBytes,
      why: `${fmt(shape.samples)} samplings × ${kib(triggers)} of triggers: ${kib(sampleBytes)}`,
    },
    {
      path: 'policy.escalation.levels',
      bytes: notificationBytes,
      why: `${fmt(shape.notifications)} notifications × the deciders of every level (${kib(deciders)}) and the title: ${kib(notificationBytes)}`,
    },
    { path: 'title', bytes: 2 * reportBytes, why: `the report, stored and returned: 2 × ${kib(reportBytes)}` },
    {
      path: '',
      bytes: events * BYTES_PER_EVENT + 2 * size(request),
      why: `${fmt(events)} events and the request itself`,
    },
  ];
  return { bytes: sum(parts.map((p) => p.bytes)), reportBytes, titleBytes: title, parts };
}

/** The request's budget issue, naming the field of the largest part; none when it fits. */
export function historyBudgetIssues(request: BudgetInput): FieldIssue[] {
  const estimate = estimateHistory(request);
  const [largest, ...others] = [...estimate.parts].sort((a, b) => b.events - a.events);
  const also = others
    .filter((p) => p.path && p.events > 0)
    .slice(0, 2)
    .map((p) => `${p.path}: ${fmt(p.events)}`);
  const bytes = estimateHistoryBytes(request, estimate.events);
  if (estimate.events <= estimate.budget) return bytesIssues(bytes);
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

function bytesIssues(estimate: BytesEstimate): FieldIssue[] {
  const overReport = estimate.reportBytes > REPORT_BYTES_BUDGET;
  if (estimate.bytes <= HISTORY_BYTES_BUDGET && !overReport) return [];
  const [largest] = [...estimate.parts].filter((p) => p.path).sort((a, b) => b.bytes - a.bytes);
  const what = overReport
    ? `its report ≈ ${kib(estimate.reportBytes)}, budget ${kib(REPORT_BYTES_BUDGET)}`
    : `≈ ${kib(estimate.bytes)} of history, budget ${kib(HISTORY_BYTES_BUDGET)}`;
  // The report grows with the questions asked (their prompts carry the title) and with the title itself.
  const path = overReport
    ? estimate.parts.find((p) => p.path === 'title')!.bytes > 2 * REPORT_BYTES_BUDGET && estimate.titleBytes > 100
      ? 'title'
      : 'policy.escalation.levels'
    : largest!.path;
  const why = overReport ? estimate.parts.find((p) => p.path === 'title')!.why : largest!.why;
  return [{ path, message: `worst case ${what}: ${why}; shorten it or split the change` }];
}

function utf8Bytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** 1 900 800: thousands apart, as people read counts. */
function fmt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

import { CauseType } from './causes';
import { decisionNames, questionOptions, rollbackCategories } from './decisions';
import { notificationEvents } from './notifications';
import { stepStates, terminalPhases } from './status';
import { targetKinds } from './targets/index';

/**
 * The product's own metrics (exported for Prometheus by the worker and the API). Every label takes
 * its values from a closed list, so a series can never name a change, an actor, a lead or any
 * free text: a value outside its list is exported as `other`. `null` marks a label bounded by the
 * code instead of a list (route templates, HTTP status codes).
 */
const levelIndexes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const labelValues = {
  /** How a change or a rollback run ended (its report's phase). */
  outcome: terminalPhases,
  /** A change, or a rollback of a finished change run later (its own workflow and report). */
  run_kind: ['change', 'rollback-later'],
  target_kind: targetKinds,
  /** The state a step ended in. */
  state: stepStates,
  /** The category of a manual rollback request, `none` when nobody asked for it. */
  reason_category: [...rollbackCategories, 'none'],
  /** The metric source of the trigger that fired, `none` when no trigger fired. */
  trigger: ['lead-events', 'prometheus', 'none'],
  /** What started the rollback: a run cause, `StepFailed` for a step's own failure. */
  cause: [...Object.values(CauseType), 'StepFailed', 'none'],
  /** `failed`: the restore failed after its retries; `conflict`: it found the target changed by someone else. */
  reason: ['failed', 'conflict', 'not-configured', 'send-failed'],
  question_kind: Object.keys(questionOptions) as (keyof typeof questionOptions)[],
  decision: decisionNames,
  /** An escalation level's index in the policy (a policy has at most 10 levels). */
  level: levelIndexes,
  /** The highest escalation level a waiting change has reached. */
  escalation_level: levelIndexes,
  event: notificationEvents,
  /** The part of a notification channel before the colon (`slack:#ops` → `slack`). */
  channel_kind: ['slack', 'webhook'],
  /** The phases in which a change waits on people. */
  phase: ['awaiting-approval', 'awaiting-decision', 'held'],
  method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  /** The route template (`/v1/changes/:changeId`), `unmatched` for a URL no route serves. */
  route: null,
  status_code: null,
} as const satisfies Record<string, readonly string[] | null>;

export type LabelName = keyof typeof labelValues;
export type Labels = Partial<Record<LabelName, string>>;

/** The value a label is exported with: its own when the list holds it, else `other`. */
export function boundLabel(name: LabelName, value: string): string {
  const allowed: readonly string[] | null = labelValues[name];
  if (allowed === null) return value;
  return allowed.includes(value) ? value : 'other';
}

interface MetricSpec {
  type: 'counter' | 'histogram' | 'gauge';
  help: string;
  labels: readonly LabelName[];
  /** Which process exports it. */
  process: 'worker' | 'api';
  buckets?: readonly number[];
}

/** From 0.1 s to an hour: a rollback without people takes seconds, one that waits on them, minutes. */
const recoveryBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** From a second to a day: a decision comes in seconds by chat or hours after escalation. */
const decisionBuckets = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600];
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every product metric, once: the exporters build them from here and docs/metrics.md lists them. */
export const productMetrics = {
  lead_rollback_changes_started_total: {
    type: 'counter',
    help: 'Changes whose worker began them (the request passed the worker’s policy floor and was stored).',
    labels: [],
    process: 'worker',
  },
  lead_rollback_changes_settled_total: {
    type: 'counter',
    help: 'Changes and rollback runs that ended, by how they ended.',
    labels: ['outcome', 'run_kind'],
    process: 'worker',
  },
  lead_rollback_change_duration_seconds: {
    type: 'histogram',
    help: 'Start to end of a change or rollback run, waits on people included.',
    labels: ['outcome'],
    process: 'worker',
    buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
  },
  lead_rollback_steps_settled_total: {
    type: 'counter',
    help: 'Steps of ended changes, by target kind and the state they ended in.',
    labels: ['target_kind', 'state'],
    process: 'worker',
  },
  lead_rollback_rollbacks_total: {
    type: 'counter',
    help: 'Changes that ended rolled back, by the category of the manual request, the trigger source that fired and the cause.',
    labels: ['reason_category', 'trigger', 'cause'],
    process: 'worker',
  },
  lead_rollback_time_to_recover_seconds: {
    type: 'histogram',
    help: 'Detection (failure, trigger or request) to every target restored and verified (and validated when configured).',
    labels: [],
    process: 'worker',
    buckets: recoveryBuckets,
  },
  lead_rollback_compensation_failures_total: {
    type: 'counter',
    help: 'Restores that did not succeed (each needed a person), by target kind and why.',
    labels: ['target_kind', 'reason'],
    process: 'worker',
  },
  lead_rollback_lead_rows_restored_total: {
    type: 'counter',
    help: 'Lead records put back to their recovery point by lead-data restores.',
    labels: [],
    process: 'worker',
  },
  lead_rollback_lead_conflicts_total: {
    type: 'counter',
    help: 'Lead records a lead-data restore left alone because someone changed them after the apply.',
    labels: [],
    process: 'worker',
  },
  lead_rollback_decisions_total: {
    type: 'counter',
    help: 'Decisions accepted from people, by question kind and decision (recorded when the change ends).',
    labels: ['question_kind', 'decision'],
    process: 'worker',
  },
  lead_rollback_decision_wait_seconds: {
    type: 'histogram',
    help: 'First ask of a question to the decision that settled it (recorded when the change ends).',
    labels: ['question_kind'],
    process: 'worker',
    buckets: decisionBuckets,
  },
  lead_rollback_questions_asked_total: {
    type: 'counter',
    help: 'Questions put to people (at their first level), by kind, as they are asked.',
    labels: ['question_kind'],
    process: 'worker',
  },
  lead_rollback_escalations_total: {
    type: 'counter',
    help: 'Questions escalated to a level because the level before let its deadline pass, by the level reached.',
    labels: ['level'],
    process: 'worker',
  },
  lead_rollback_notifications_total: {
    type: 'counter',
    help: 'Notifications a change raised, by event, as they are raised.',
    labels: ['event'],
    process: 'worker',
  },
  lead_rollback_notification_failures_total: {
    type: 'counter',
    help: 'Notification channels that failed to take a notification (once per notification and channel), by channel kind and why.',
    labels: ['channel_kind', 'reason'],
    process: 'worker',
  },
  lead_rollback_changes_waiting_on_people: {
    type: 'gauge',
    help: 'Running changes whose phase waits on people, by phase and the highest escalation level reached (Temporal visibility, counted at scrape time).',
    labels: ['phase', 'escalation_level'],
    process: 'api',
  },
  lead_rollback_visibility_errors_total: {
    type: 'counter',
    help: 'Scrapes whose count of waiting changes failed (Temporal unreachable): the waiting gauge is then absent.',
    labels: [],
    process: 'api',
  },
  lead_rollback_http_request_duration_seconds: {
    type: 'histogram',
    help: 'API requests by method, route template and status code (the _count series counts them).',
    labels: ['method', 'route', 'status_code'],
    process: 'api',
    buckets: httpBuckets,
  },
} as const satisfies Record<string, MetricSpec>;

export type ProductMetricName = keyof typeof productMetrics;

/** One thing to record: a counter's increment or a histogram's observation (seconds). */
export interface Observation {
  metric: ProductMetricName;
  labels?: Labels;
  value: number;
}

/** Where observations go (the Prometheus registry of the process; nothing in tests that do not look). */
export interface TelemetrySink {
  record(observations: readonly Observation[]): void;
}

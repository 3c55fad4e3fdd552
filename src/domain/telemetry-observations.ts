import { CauseType, type ChangeCause } from './causes';
import type { ChangeNotification } from './notifications';
import type { ChangeReport, StepStatus } from './status';
import { boundLabel, type Labels, type LabelName, type Observation, type ProductMetricName } from './telemetry';

/**
 * What one stored report adds to the product metrics. Pure: the worker records it the first time
 * a report is stored, so an activity retried or a report stored again counts once. `askedAt` maps
 * question ids to when they were first asked (the notification outbox knows; the report keeps
 * only the decisions), for the decision waits.
 */
export function reportObservations(
  report: ChangeReport,
  askedAt: ReadonlyMap<string, string> = new Map(),
): Observation[] {
  const observations: Observation[] = [];
  const add = (metric: ProductMetricName, value: number, labels: Labels = {}) =>
    observations.push({ metric, value, labels: bounded(labels) });

  add('lead_rollback_changes_settled_total', 1, {
    outcome: report.phase,
    run_kind: report.rollsBack ? 'rollback-later' : 'change',
  });
  const durationMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  if (durationMs >= 0) add('lead_rollback_change_duration_seconds', durationMs / 1000, { outcome: report.phase });
  for (const step of report.steps)
    add('lead_rollback_steps_settled_total', 1, { target_kind: step.target, state: step.state });

  if (report.phase === 'rolled-back')
    add('lead_rollback_rollbacks_total', 1, {
      reason_category: report.rollbackRequest?.category ?? 'none',
      trigger: report.trigger ? triggerSource(report.trigger.metric) : 'none',
      cause: causeKind(report.cause),
    });
  if (report.timeToRecoverMs !== undefined && report.timeToRecoverMs >= 0)
    add('lead_rollback_time_to_recover_seconds', report.timeToRecoverMs / 1000);

  const targets = new Map(report.steps.map((step) => [step.id, step.target]));
  for (const event of report.timeline) {
    const reason = compensationFailureEvents[event.event];
    const target = event.stepId === undefined ? undefined : targets.get(event.stepId);
    if (reason && target) add('lead_rollback_compensation_failures_total', 1, { target_kind: target, reason });
  }
  const leads = leadRestoreCounts(report.steps);
  if (leads.restored > 0) add('lead_rollback_lead_rows_restored_total', leads.restored);
  if (leads.conflicts > 0) add('lead_rollback_lead_conflicts_total', leads.conflicts);

  for (const decision of report.decisions)
    add('lead_rollback_decisions_total', 1, { question_kind: decision.kind, decision: decision.decision });
  // A question needing two approvers is settled by its last decision.
  const settledAt = new Map(report.decisions.map((d) => [d.questionId, d]));
  for (const [questionId, decision] of settledAt) {
    const asked = askedAt.get(questionId);
    const waitMs = asked === undefined ? NaN : Date.parse(decision.at) - Date.parse(asked);
    if (waitMs >= 0) add('lead_rollback_decision_wait_seconds', waitMs / 1000, { question_kind: decision.kind });
  }
  return observations;
}

/** What one notification adds, recorded the first time the outbox takes it (a retry counts once). */
export function notificationObservations(notification: ChangeNotification): Observation[] {
  const observations: Observation[] = [
    { metric: 'lead_rollback_notifications_total', value: 1, labels: bounded({ event: notification.event }) },
  ];
  if (notification.event === 'escalated' && notification.level)
    observations.push({
      metric: 'lead_rollback_escalations_total',
      value: 1,
      labels: bounded({ level: String(notification.level.index) }),
    });
  // Each level asked raises one notification; the first level's is the question's first ask.
  if (notification.question && notification.level?.index === 0)
    observations.push({
      metric: 'lead_rollback_questions_asked_total',
      value: 1,
      labels: bounded({ question_kind: notification.question.kind }),
    });
  return observations;
}

/** A channel that did not take a notification, recorded once per notification and channel. */
export function channelFailureObservation(channel: string, reason: 'not-configured' | 'send-failed'): Observation {
  return {
    metric: 'lead_rollback_notification_failures_total',
    value: 1,
    labels: bounded({ channel_kind: channel.split(':', 1)[0] ?? '', reason }),
  };
}

/**
 * The timeline events of a compensation that did not succeed, as src/workflows/compensation.ts
 * records them (a unit test holds the two files together).
 */
export const compensationFailureEvents: Partial<Record<string, 'failed' | 'conflict'>> = {
  'compensation failed': 'failed',
  'restore conflict': 'conflict',
};

/** The trigger report's metric reads `<source>: <name or query>` (src/workflows/observation.ts). */
function triggerSource(metric: string): string {
  return metric.slice(0, Math.max(0, metric.indexOf(':')));
}

function causeKind(cause: ChangeCause | undefined): string {
  if (!cause) return 'none';
  return (Object.values(CauseType) as string[]).includes(cause.type ?? '') ? cause.type! : 'StepFailed';
}

/** Lead-data restores: what the last restore of each step put back, and what it left as conflicts. */
function leadRestoreCounts(steps: StepStatus[]): { restored: number; conflicts: number } {
  let restored = 0;
  let conflicts = 0;
  for (const step of steps) {
    if (step.target !== 'lead-data' || !step.restore) continue;
    const restore = step.restore;
    if (restore.status === 'restored' || restore.status === 'partial') restored += restore.restoredCount ?? 0;
    if (restore.status === 'conflict' || restore.status === 'partial') conflicts += restore.conflicts.count;
  }
  return { restored, conflicts };
}

function bounded(labels: Labels): Labels {
  return Object.fromEntries(
    Object.entries(labels).map(([name, value]) => [name, boundLabel(name as LabelName, value)]),
  ) as Labels;
}

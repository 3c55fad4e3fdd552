import { log } from '@temporalio/activity';
import { ErrorType } from '../domain/errors';
import { ValidationError } from '../domain/validation';
import type { ChangeReport, ChangeWorkflowInput } from '../domain/status';
import { loadChangeRequest, storeChangeRequest } from '../store/change-requests';
import { permanent } from '../domain/failures';
import { acquireLocks, releaseLocks, type LockAttempt } from '../store/locks';
import { keepAlive } from './keep-alive';
import { createMetricSampler, createMetricsSampler } from './metrics';
import type { PrometheusConnection } from './metrics/prometheus';
import type { MetricQuery, MetricSample, MetricsQuery } from '../domain/metrics';
import type { ChangeNotification } from '../domain/notifications';
import { builtInFloor, type LoadedFloor } from '../domain/policy-floor';
import { checkPolicyFloor, refuseUnapprovedLeadBatch } from './policy-floor/check';
import type { FloorVerdict } from '../domain/policy-floor';
import { deliverNotification } from './notify/deliver';
import { questionAskedTimes, recordNotification } from '../store/notifications';
import type { TelemetrySink } from '../domain/telemetry';
import {
  channelFailureObservation,
  notificationObservations,
  reportObservations,
} from '../domain/telemetry-observations';
import type { NotificationDeps } from './notify/channels';
import { createRehearsalActivities } from './rehearsal/activities';
import type { RehearsalDeps } from './rehearsal/sandboxes';
import { reportsCollection, storeReport } from '../store/reports';
import { adapterFor, createAdapterRegistry, type TargetDeps } from './targets/registry';
import type {
  ApplyOutcome,
  RecoveryPointRef,
  RestoreOptions,
  RestoreOutcome,
  RestorePreview,
  StepInput,
} from '../domain/outcomes';

/**
 * `notifications` is optional: without it notifications are only recorded in the outbox.
 * `prometheus` is needed only by changes whose triggers query Prometheus.
 * `rehearsal` is the sandbox rehearsals run against; without it rehearsals fail as misconfigured.
 * `policyFloor` is the operator's floor (POLICY_FLOOR, POLICY_FLOOR_FILE); without it, the built-in one.
 * `telemetry` takes the product metrics (METRICS_PORT); without it nothing is counted.
 */
export type ActivityDeps = TargetDeps & {
  notifications?: NotificationDeps;
  prometheus?: PrometheusConnection;
  rehearsal?: RehearsalDeps;
  policyFloor?: LoadedFloor;
  telemetry?: TelemetrySink;
};

export type { StepInput };

/** A restore may be narrowed to some items (e.g. lead ids) of the step. */
export type RestoreInput = StepInput & RestoreOptions;

/**
 * The activities, as closures over injected dependencies. Step activities dispatch to the target
 * kind's adapter, so the workflow calls the same verbs whatever the target is.
 */
export function createActivities(deps: ActivityDeps) {
  const registry = createAdapterRegistry(deps);
  const sampleMetric = createMetricSampler({ db: deps.db, prometheus: deps.prometheus });
  const floor = deps.policyFloor ?? builtInFloor;
  const sampleMetrics = createMetricsSampler(sampleMetric);
  const keyOf = (input: StepInput) => ({ changeId: input.changeId, stepId: input.step.id });
  const apply = async (input: StepInput) => {
    await refuseUnapprovedLeadBatch(deps.db, floor, input);
    const outcome = await adapterFor(registry, input.step).apply(keyOf(input), input.step.spec);
    log.info('step applied', { changeId: input.changeId, stepId: input.step.id, status: outcome.status });
    return outcome;
  };
  const restore = async (input: RestoreInput) => {
    const outcome = await adapterFor(registry, input.step).restore(keyOf(input), input.step.spec, {
      itemIds: input.itemIds,
    });
    log.info('step restored', { changeId: input.changeId, stepId: input.step.id, status: outcome.status });
    return outcome;
  };

  return {
    ...createRehearsalActivities(deps),
    async snapshotStep(input: StepInput): Promise<RecoveryPointRef> {
      return keepAlive(input.step, () => adapterFor(registry, input.step).snapshot(keyOf(input), input.step.spec));
    },
    async applyStep(input: StepInput): Promise<ApplyOutcome> {
      return keepAlive(input.step, () => apply(input));
    },
    async verifyStep(input: StepInput): Promise<void> {
      await keepAlive(input.step, () => adapterFor(registry, input.step).verify(keyOf(input), input.step.spec));
    },
    /**
     * Apply, then verify in the same attempt: one round trip through Temporal instead of two. A
     * failed verification is permanent (VerificationFailed); a retry re-applies, which is a no-op.
     */
    async applyAndVerifyStep(input: StepInput): Promise<ApplyOutcome> {
      return keepAlive(input.step, async () => {
        const outcome = await apply(input);
        await adapterFor(registry, input.step).verify(keyOf(input), input.step.spec);
        return outcome;
      });
    },
    async restoreStep(input: RestoreInput): Promise<RestoreOutcome> {
      return keepAlive(input.step, () => restore(input));
    },
    async verifyRestoreStep(input: StepInput): Promise<void> {
      await keepAlive(input.step, () => adapterFor(registry, input.step).verifyRestore(keyOf(input), input.step.spec));
    },
    /**
     * Restore, then verify in the same attempt, unless the restore stopped on a conflict (nothing
     * to verify: the target was left as someone else made it, and a person decides).
     */
    async restoreAndVerifyStep(input: RestoreInput): Promise<RestoreOutcome> {
      return keepAlive(input.step, async () => {
        const outcome = await restore(input);
        if (outcome.status !== 'conflict' && outcome.status !== 'partial')
          await adapterFor(registry, input.step).verifyRestore(keyOf(input), input.step.spec);
        return outcome;
      });
    },
    async previewRestoreStep(input: StepInput): Promise<RestorePreview> {
      return keepAlive(input.step, () => adapterFor(registry, input.step).preview(keyOf(input), input.step.spec));
    },
    /** Stores the report; the first time only, what it tells is added to the product metrics. */
    async saveReport(report: ChangeReport): Promise<void> {
      // Read before the write: once the report is stored, nothing may fail, or a retry would find it stored and count nothing.
      const questions = deps.telemetry ? [...new Set(report.decisions.map((d) => d.questionId))] : [];
      const askedAt = await questionAskedTimes(deps.db, report.changeId, questions);
      const { first } = await storeReport(deps.db, report);
      if (first) deps.telemetry?.record(reportObservations(report, askedAt));
    },
    /** One sample of a trigger's metric over a window (observation, baseline, recovery check). */
    async sampleMetric(query: MetricQuery): Promise<MetricSample> {
      return sampleMetric(query);
    },
    /** Every trigger of a change over one window: one activity per interval, whatever the number of triggers. */
    async sampleMetrics(query: MetricsQuery): Promise<MetricSample[]> {
      return sampleMetrics(query);
    },
    /** Takes all of a change's target locks or none; reports who holds a busy one. */
    async acquireTargetLocks(input: { changeId: string; keys: string[] }): Promise<LockAttempt> {
      return acquireLocks(deps.db, input.changeId, input.keys);
    },
    async releaseTargetLocks(input: { changeId: string; keys: string[] }): Promise<void> {
      await releaseLocks(deps.db, input.changeId, input.keys);
    },
    /** The phase a finished change ended in (from its stored report), or null while it runs. */
    async finishedPhase(changeId: string): Promise<string | null> {
      const report = await reportsCollection(deps.db).findOne({ _id: changeId }, { projection: { phase: 1 } });
      return report?.phase ?? null;
    },
    /** The worker's floor for this change, and how the request falls short of it (then nothing is applied). */
    async checkPolicyFloor(input: ChangeWorkflowInput): Promise<FloorVerdict> {
      return checkPolicyFloor(deps.db, floor, input.request);
    },
    async saveChangeRequest(input: ChangeWorkflowInput): Promise<void> {
      const { first } = await storeChangeRequest(deps.db, input);
      if (first) deps.telemetry?.record([{ metric: 'lead_rollback_changes_started_total', value: 1 }]);
    },
    /** The stored request of a change, validated again: permanent failure when there is none (unknown change) or it no longer validates. */
    async loadChangeRequest(changeId: string): Promise<ChangeWorkflowInput> {
      let input: ChangeWorkflowInput | null;
      try {
        input = await loadChangeRequest(deps.db, changeId);
      } catch (err) {
        if (err instanceof ValidationError)
          throw permanent(ErrorType.InvalidRequest, err.message, { issues: err.issues });
        throw err;
      }
      if (!input) throw permanent(ErrorType.TargetNotFound, `no stored request for change ${changeId}`);
      return input;
    },
    /**
     * Records the notification in the outbox, then sends it to its channels (Slack, signed
     * webhooks). Never blocks the saga: the workflow does not wait on it, and its failures are only
     * recorded. A retry sends only to channels that have not taken it yet.
     */
    async notify(notification: ChangeNotification): Promise<void> {
      const { first } = await recordNotification(deps.db, notification);
      if (first) deps.telemetry?.record(notificationObservations(notification));
      await deliverNotification(deps.db, deps.notifications, notification, log, (channel, reason) =>
        deps.telemetry?.record([channelFailureObservation(channel, reason)]),
      );
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

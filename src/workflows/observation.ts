import { condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { UNAVAILABLE_CHARS } from '../domain/history-budget';
import type { ObservePolicy, Trigger } from '../domain/observation';
import type { ChangeRun } from './change-run';
import { failureInfo } from './change-tracker';
import { durationMs } from '../domain/durations';
import { evaluateTrigger, type SampleLike } from './trigger-evaluation';
import type { MetricSampleRecord, ObservationReport, TriggerReport } from '../domain/status';

const { sampleMetric } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5, nonRetryableErrorTypes: ['WorkerMisconfiguredError', 'PartnerRejectedError'] },
});

const sampleMetricsOptions = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
} as const;
const { sampleMetrics } = proxyActivities<Activities>(sampleMetricsOptions);

const MAX_SAMPLES = 500;
/** Breaches written to the timeline (every sample stays in the report, up to MAX_SAMPLES): the report stays small. */
const MAX_BREACH_RECORDS = 100;

/** Flows whose lead events count: the policy's list, else the flows the change's steps touch. */
export function observedFlows(run: ChangeRun): string[] {
  const policy = run.input.request.policy.observe;
  if (policy?.flows) return policy.flows;
  return [...new Set(run.input.request.steps.flatMap((s) => (s.target === 'flow-config' ? [s.spec.flowId] : [])))];
}

export function describeMetric(trigger: Trigger): string {
  return trigger.metric.source === 'lead-events' ? `lead-events: ${trigger.metric.name}` : `prometheus: ${trigger.metric.query}`;
}

function describeComparison(trigger: Trigger): string {
  const c = trigger.comparison;
  return c.kind === 'above' || c.kind === 'below' ? `${c.kind} ${c.threshold}` : `${c.kind} by more than ${c.by * 100}% from baseline`;
}

async function sample(run: ChangeRun, trigger: Trigger, from: Date, to: Date): Promise<SampleLike> {
  return sampleMetric.executeWithOptions(
    { startToCloseTimeout: '30s', retry: { maximumAttempts: 5 }, summary: `sample ${trigger.name} (${describeMetric(trigger)})` },
    [{ changeId: run.changeId, trigger, flows: observedFlows(run), from: from.toISOString(), to: to.toISOString() }],
  );
}

/**
 * Every trigger over one window. Under the history budget it is one activity for all triggers
 * (a sample costs the same whatever their number), and a sampling that fails after its retries
 * leaves the window inconclusive instead of failing the change after its steps were applied.
 * Runs recorded before replay with one activity per trigger.
 */
async function sampleAll(run: ChangeRun, triggers: Trigger[], from: Date, to: Date): Promise<SampleLike[]> {
  if (!run.budgeted) return Promise.all(triggers.map((t) => sample(run, t, from, to)));
  try {
    return await sampleMetrics.executeWithOptions(
      { ...sampleMetricsOptions, summary: `sample ${triggers.length} trigger(s): ${triggers.map((t) => t.name).join(', ')}`.slice(0, 200) },
      [{ changeId: run.changeId, triggers, flows: observedFlows(run), from: from.toISOString(), to: to.toISOString() }],
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    const unavailable = `sampling failed: ${failureInfo(err).message}`.slice(0, UNAVAILABLE_CHARS);
    run.tracker.record('metrics unavailable', { detail: unavailable });
    return triggers.map(() => ({ value: null, samples: null, unavailable }));
  }
}

/** Baselines for every trigger, from the window that ends when the change started (before any apply). */
export async function takeBaselines(run: ChangeRun, policy: ObservePolicy): Promise<ObservationReport['baselines']> {
  if (!policy.baselineWindow) return [];
  const to = run.tracker.startedAt;
  const from = new Date(to.getTime() - durationMs(policy.baselineWindow));
  const values = await sampleAll(run, policy.triggers, from, to);
  run.tracker.record('baseline taken', { detail: values.map((v, i) => `${policy.triggers[i]!.name}=${v.value ?? 'n/a'} (${v.samples ?? '?'} samples)`).join(', ') });
  return policy.triggers.map((t, i) => ({ trigger: t.name, value: values[i]!.value, samples: values[i]!.samples, from: from.toISOString(), to: to.toISOString() }));
}

/**
 * The bake window after the last step: every interval each trigger's metric is sampled over the
 * last interval and judged against its threshold or baseline; a trigger fires after its number of
 * consecutive breaches. A manual rollback request ends the window at once.
 */
export async function observe(run: ChangeRun, policy: ObservePolicy, report: ObservationReport): Promise<TriggerReport | undefined> {
  run.tracker.setPhase('observing', `for ${policy.bakeTime}, sampling every ${policy.interval}`);
  const end = Date.now() + durationMs(policy.bakeTime);
  const streaks = new Map<string, number>();
  const conclusive = new Set<string>();
  let breaches = 0;
  while (Date.now() < end) {
    const wait = Math.min(durationMs(policy.interval), end - Date.now());
    if (await condition(() => run.rollbackRequest !== undefined, wait)) {
      report.outcome = 'interrupted';
      return undefined;
    }
    const to = new Date();
    const from = new Date(to.getTime() - wait);
    const judged = await judgeAll(run, policy, report, from, to);
    for (const { trigger, record } of judged) {
      if (record.verdict !== 'inconclusive') conclusive.add(trigger.name);
      const streak = record.verdict === 'breach' ? (streaks.get(trigger.name) ?? 0) + 1 : 0;
      streaks.set(trigger.name, streak);
      if (record.verdict === 'breach' && (!run.budgeted || breaches++ < MAX_BREACH_RECORDS)) {
        run.tracker.record('metric breach', { detail: `${trigger.name}: ${record.reason} (${streak} of ${trigger.consecutive})` });
        if (breaches === MAX_BREACH_RECORDS) run.tracker.record('further metric breaches are in the samples only');
      }
      if (streak >= trigger.consecutive) {
        report.outcome = 'fired';
        const baseline = report.baselines.find((b) => b.trigger === trigger.name);
        const fired: TriggerReport = {
          name: trigger.name,
          metric: describeMetric(trigger),
          comparison: describeComparison(trigger),
          value: record.value,
          baseline: baseline?.value,
          samples: record.samples,
          consecutive: streak,
          firedAt: record.at,
        };
        run.tracker.record('trigger fired', { detail: `${trigger.name}: ${record.reason}` });
        return fired;
      }
    }
  }
  report.outcome = policy.triggers.every((t) => conclusive.has(t.name)) ? 'healthy' : 'inconclusive';
  run.tracker.record(`observation ${report.outcome}`, {
    detail: report.outcome === 'inconclusive' ? `not enough traffic for: ${policy.triggers.filter((t) => !conclusive.has(t.name)).map((t) => t.name).join(', ')}` : undefined,
  });
  return undefined;
}

/** Samples and judges every trigger over one window; also used to confirm recovery after a rollback. */
export async function judgeAll(
  run: ChangeRun,
  policy: ObservePolicy,
  report: Pick<ObservationReport, 'baselines' | 'samples'>,
  from: Date,
  to: Date,
): Promise<{ trigger: Trigger; record: MetricSampleRecord }[]> {
  const values = await sampleAll(run, policy.triggers, from, to);
  return policy.triggers.map((trigger, i) => {
    const value = values[i]!;
    const baseline = report.baselines.find((b) => b.trigger === trigger.name);
    const { verdict, reason } = evaluateTrigger(trigger, value, baseline);
    const record: MetricSampleRecord = { at: to.toISOString(), trigger: trigger.name, value: value.value, samples: value.samples, verdict, reason };
    if (report.samples.length < MAX_SAMPLES) report.samples.push(record);
    return { trigger, record };
  });
}

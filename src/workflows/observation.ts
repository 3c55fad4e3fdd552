import { condition, isCancellation } from '@temporalio/workflow';
import { UNAVAILABLE_CHARS } from '../domain/history-budget';
import type { ObservePolicy, Trigger } from '../domain/observation';
import { sampleMetric, sampleMetrics } from './activity-proxies';
import { failureInfo } from './change-tracker';
import { durationMs } from '../domain/durations';
import type { RunScope } from './run-scope';
import { evaluateTrigger, type SampleLike } from './trigger-evaluation';
import type { MetricSampleRecord, ObservationReport, TriggerReport } from '../domain/status';

const MAX_SAMPLES = 500;
/** Breaches written to the timeline (every sample stays in the report, up to MAX_SAMPLES): the report stays small. */
const MAX_BREACH_RECORDS = 100;

type Baselines = ObservationReport['baselines'];

/** Flows whose lead events count: the policy's list, else the flows the change's steps touch. */
function observedFlows(scope: Pick<RunScope, 'request'>): string[] {
  const policy = scope.request.policy.observe;
  if (policy?.flows) return policy.flows;
  return [...new Set(scope.request.steps.flatMap((s) => (s.target === 'flow-config' ? [s.spec.flowId] : [])))];
}

function describeMetric(trigger: Trigger): string {
  return trigger.metric.source === 'lead-events'
    ? `lead-events: ${trigger.metric.name}`
    : `prometheus: ${trigger.metric.query}`;
}

function describeComparison(trigger: Trigger): string {
  const c = trigger.comparison;
  return c.kind === 'above' || c.kind === 'below'
    ? `${c.kind} ${c.threshold}`
    : `${c.kind} by more than ${c.by * 100}% from baseline`;
}

async function sample(scope: RunScope, trigger: Trigger, from: Date, to: Date): Promise<SampleLike> {
  return sampleMetric(`sample ${trigger.name} (${describeMetric(trigger)})`, {
    changeId: scope.changeId,
    trigger,
    flows: observedFlows(scope),
    from: from.toISOString(),
    to: to.toISOString(),
  });
}

/**
 * Every trigger over one window. Under the history budget it is one activity for all triggers
 * (a sample costs the same whatever their number), and a sampling that fails after its retries
 * leaves the window inconclusive instead of failing the change after its steps were applied.
 * Runs recorded before replay with one activity per trigger.
 */
async function sampleAll(scope: RunScope, triggers: Trigger[], from: Date, to: Date): Promise<SampleLike[]> {
  if (!scope.budgeted) return Promise.all(triggers.map((t) => sample(scope, t, from, to)));
  try {
    return await sampleMetrics(
      `sample ${triggers.length} trigger(s): ${triggers.map((t) => t.name).join(', ')}`.slice(0, 200),
      {
        changeId: scope.changeId,
        triggers,
        flows: observedFlows(scope),
        from: from.toISOString(),
        to: to.toISOString(),
      },
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    const unavailable = `sampling failed: ${failureInfo(err).message}`.slice(0, UNAVAILABLE_CHARS);
    scope.tracker.record('metrics unavailable', { detail: unavailable });
    return triggers.map(() => ({ value: null, samples: null, unavailable }));
  }
}

/** Baselines for every trigger, from the window that ends when the change started (before any apply). */
async function takeBaselines(scope: RunScope, policy: ObservePolicy): Promise<Baselines> {
  if (!policy.baselineWindow) return [];
  const to = scope.tracker.startedAt;
  const from = new Date(to.getTime() - durationMs(policy.baselineWindow));
  const values = await sampleAll(scope, policy.triggers, from, to);
  scope.tracker.record('baseline taken', {
    detail: values
      .map((v, i) => `${policy.triggers[i]!.name}=${v.value ?? 'n/a'} (${v.samples ?? '?'} samples)`)
      .join(', '),
  });
  return policy.triggers.map((t, i) => ({
    trigger: t.name,
    value: values[i]!.value,
    samples: values[i]!.samples,
    from: from.toISOString(),
    to: to.toISOString(),
  }));
}

/**
 * Samples and judges every trigger over one window; also used to confirm recovery after a
 * rollback. Each sample's record goes to `samples` while it holds fewer than MAX_SAMPLES.
 */
export async function judgeAll(
  scope: RunScope,
  policy: ObservePolicy,
  baselines: Baselines,
  samples: MetricSampleRecord[],
  from: Date,
  to: Date,
): Promise<{ trigger: Trigger; record: MetricSampleRecord }[]> {
  const values = await sampleAll(scope, policy.triggers, from, to);
  return policy.triggers.map((trigger, i) => {
    const value = values[i]!;
    const baseline = baselines.find((b) => b.trigger === trigger.name);
    const { verdict, reason } = evaluateTrigger(trigger, value, baseline);
    const record: MetricSampleRecord = {
      at: to.toISOString(),
      trigger: trigger.name,
      value: value.value,
      samples: value.samples,
      verdict,
      reason,
    };
    if (samples.length < MAX_SAMPLES) samples.push(record);
    return { trigger, record };
  });
}

/**
 * The bake window after the last step, and its report: the baselines taken before anything was
 * applied, every sample, how it ended. Owned here; the run reads it for its report.
 */
export class BakeWindow {
  private readonly observation: ObservationReport;

  private constructor(
    private readonly scope: RunScope,
    private readonly policy: ObservePolicy,
    baselines: Baselines,
  ) {
    this.observation = { startedAt: '', outcome: 'healthy', baselines, samples: [] };
  }

  /** Takes the baselines: before anything is applied, so they describe the world without the change. */
  static async open(scope: RunScope, policy: ObservePolicy): Promise<BakeWindow> {
    return new BakeWindow(scope, policy, await takeBaselines(scope, policy));
  }

  get baselines(): Baselines {
    return this.observation.baselines;
  }

  get outcome(): ObservationReport['outcome'] {
    return this.observation.outcome;
  }

  report(): ObservationReport {
    return { ...this.observation, baselines: [...this.observation.baselines], samples: [...this.observation.samples] };
  }

  /**
   * Every interval each trigger's metric is sampled over the last interval and judged against its
   * threshold or baseline; a trigger fires after its number of consecutive breaches. `interrupted`
   * (a manual rollback request) ends the window at once.
   */
  async watch(interrupted: () => boolean): Promise<TriggerReport | undefined> {
    this.observation.startedAt = new Date().toISOString();
    const fired = await this.observe(interrupted);
    this.observation.endedAt = new Date().toISOString();
    return fired;
  }

  private async observe(interrupted: () => boolean): Promise<TriggerReport | undefined> {
    const { scope, policy, observation } = this;
    scope.tracker.setPhase('observing', `for ${policy.bakeTime}, sampling every ${policy.interval}`);
    const end = Date.now() + durationMs(policy.bakeTime);
    const streaks = new Map<string, number>();
    const conclusive = new Set<string>();
    let breaches = 0;
    while (Date.now() < end) {
      const wait = Math.min(durationMs(policy.interval), end - Date.now());
      if (await condition(interrupted, wait)) {
        observation.outcome = 'interrupted';
        return undefined;
      }
      const to = new Date();
      const from = new Date(to.getTime() - wait);
      const judged = await judgeAll(scope, policy, observation.baselines, observation.samples, from, to);
      for (const { trigger, record } of judged) {
        if (record.verdict !== 'inconclusive') conclusive.add(trigger.name);
        const streak = record.verdict === 'breach' ? (streaks.get(trigger.name) ?? 0) + 1 : 0;
        streaks.set(trigger.name, streak);
        if (record.verdict === 'breach' && (!scope.budgeted || breaches++ < MAX_BREACH_RECORDS)) {
          scope.tracker.record('metric breach', {
            detail: `${trigger.name}: ${record.reason} (${streak} of ${trigger.consecutive})`,
          });
          if (breaches === MAX_BREACH_RECORDS) scope.tracker.record('further metric breaches are in the samples only');
        }
        if (streak >= trigger.consecutive) {
          observation.outcome = 'fired';
          const baseline = observation.baselines.find((b) => b.trigger === trigger.name);
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
          scope.tracker.record('trigger fired', { detail: `${trigger.name}: ${record.reason}` });
          return fired;
        }
      }
    }
    observation.outcome = policy.triggers.every((t) => conclusive.has(t.name)) ? 'healthy' : 'inconclusive';
    scope.tracker.record(`observation ${observation.outcome}`, {
      detail:
        observation.outcome === 'inconclusive'
          ? `not enough traffic for: ${policy.triggers
              .filter((t) => !conclusive.has(t.name))
              .map((t) => t.name)
              .join(', ')}`
          : undefined,
    });
    return undefined;
  }
}

import type { Gauge } from 'prom-client';
import { labelValues } from '../domain/telemetry';
import type { ProductMetrics } from './product-metrics';

/** The phases in which a change waits on people (the gauge's `phase` label). */
export type WaitingPhase = (typeof labelValues.phase)[number];

/** Counts running changes in a phase that have reached at least an escalation level (Temporal visibility). */
export type CountWaiting = (phase: WaitingPhase, atLeastLevel: number) => Promise<number>;

/**
 * `lead_rollback_changes_waiting_on_people{phase, escalation_level}`, counted when Prometheus
 * scrapes. Visibility cannot group by a custom attribute, so each phase is counted at "level
 * at least n" for n = 0, 1, … until a count is 0 (counts only fall as n grows): three queries when
 * nobody is waiting. A failed count leaves the gauge empty for that scrape and counts the error,
 * rather than failing the whole scrape.
 */
export function installWaitingGauge(
  metrics: ProductMetrics,
  count: CountWaiting,
  log: (message: string, err: unknown) => void,
): void {
  metrics.gauge('lead_rollback_changes_waiting_on_people', async (gauge: Gauge) => {
    gauge.reset();
    try {
      const rows = await Promise.all(labelValues.phase.map(async (phase) => ({ phase, counts: await byLevel(phase) })));
      for (const { phase, counts } of rows)
        counts.forEach((value, level) => gauge.set({ phase, escalation_level: String(level) }, value));
    } catch (err) {
      gauge.reset();
      metrics.record([{ metric: 'lead_rollback_visibility_errors_total', value: 1 }]);
      log('counting waiting changes failed', err);
    }
  });

  /** Changes at exactly each level, from the counts at "at least" each level. */
  async function byLevel(phase: WaitingPhase): Promise<number[]> {
    const atLeast: number[] = [];
    for (let level = 0; level < labelValues.escalation_level.length; level++) {
      const n = await count(phase, level);
      atLeast.push(n);
      if (n === 0) break;
    }
    return atLeast.map((n, level) => n - (atLeast[level + 1] ?? 0));
  }
}

import type { Db } from 'mongodb';
import { createLeadEventsSource } from '../../store/lead-events';
import { createPrometheusSource, type PrometheusConnection } from './prometheus';
import { ApplicationFailure } from '@temporalio/common';
import { UNAVAILABLE_CHARS } from '../../domain/history-budget';
import type { MetricQuery, MetricSample, MetricsQuery } from '../../domain/metrics';

export interface MetricDeps {
  db: Db;
  prometheus?: PrometheusConnection;
}

/** Samples a trigger's metric from the source it names. */
export function createMetricSampler(deps: MetricDeps): (query: MetricQuery) => Promise<MetricSample> {
  const sources = {
    'lead-events': createLeadEventsSource(deps.db),
    prometheus: createPrometheusSource(deps.prometheus),
  };
  return (query) => sources[query.trigger.metric.source].sample(query);
}

/**
 * Samples every trigger over one window, in parallel. A source that refuses for good (a query it
 * rejects, a worker without PROMETHEUS_URL) makes that trigger's sample unavailable — inconclusive,
 * never a breach — while the others count; a transient failure fails the attempt, and Temporal
 * retries the whole sampling (reads only, so a retry is harmless).
 */
export function createMetricsSampler(
  sample: (query: MetricQuery) => Promise<MetricSample>,
): (query: MetricsQuery) => Promise<MetricSample[]> {
  return ({ triggers, ...window }) =>
    Promise.all(
      triggers.map(async (trigger) => {
        try {
          return await sample({ ...window, trigger });
        } catch (err) {
          if (err instanceof ApplicationFailure && err.nonRetryable)
            return { value: null, samples: null, unavailable: err.message.slice(0, UNAVAILABLE_CHARS) };
          throw err;
        }
      }),
    );
}

import type { Db } from 'mongodb';
import { createLeadEventsSource } from './lead-events';
import { createPrometheusSource, type PrometheusConnection } from './prometheus';
import type { MetricQuery, MetricSample } from './types';

export interface MetricDeps {
  db: Db;
  prometheus?: PrometheusConnection;
}

/** Samples a trigger's metric from the source it names. */
export function createMetricSampler(deps: MetricDeps): (query: MetricQuery) => Promise<MetricSample> {
  const sources = { 'lead-events': createLeadEventsSource(deps.db), prometheus: createPrometheusSource(deps.prometheus) };
  return (query) => sources[query.trigger.metric.source].sample(query);
}

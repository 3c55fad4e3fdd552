import type { Trigger } from '../../domain/observation';

/** One sampling of a trigger's metric over a window of workflow time. */
export interface MetricQuery {
  changeId: string;
  trigger: Trigger;
  /** Flows whose lead events count (lead-events metrics). */
  flows: string[];
  from: string;
  to: string;
}

export interface MetricSample {
  /** null when the window holds nothing to compute the metric from. */
  value: number | null;
  /** The traffic behind the value; null when the source cannot say (any value then counts as enough). */
  samples: number | null;
}

/** A place metrics come from; each source answers the triggers of its kind. */
export interface MetricSource {
  sample(query: MetricQuery): Promise<MetricSample>;
}

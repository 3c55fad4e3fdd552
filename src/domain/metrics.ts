import type { Trigger } from './observation';

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
  /** Why there is no value: the source refused or could not be reached (the sample is inconclusive). */
  unavailable?: string;
}

/** One sampling of every trigger of a change over the same window (one activity per interval). */
export interface MetricsQuery {
  changeId: string;
  triggers: Trigger[];
  flows: string[];
  from: string;
  to: string;
}

/** A place metrics come from; each source answers the triggers of its kind. */
export interface MetricSource {
  sample(query: MetricQuery): Promise<MetricSample>;
}

import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { productMetrics, type Observation, type ProductMetricName, type TelemetrySink } from '../domain/telemetry';

type Process = 'worker' | 'api';

/**
 * The product metrics of one process (the worker's or the API's), built from the catalogue in
 * src/domain/telemetry.ts, in a registry of their own so a test or a second server in the same
 * process never shares counts by accident.
 */
export class ProductMetrics implements TelemetrySink {
  readonly registry = new Registry();
  private readonly metrics = new Map<ProductMetricName, Metric>();

  constructor(process: Process) {
    for (const [name, spec] of Object.entries(productMetrics) as [
      ProductMetricName,
      (typeof productMetrics)[ProductMetricName],
    ][]) {
      if (spec.process !== process || spec.type === 'gauge') continue;
      const options = { name, help: spec.help, labelNames: [...spec.labels], registers: [this.registry] };
      this.metrics.set(
        name,
        spec.type === 'counter'
          ? new Counter(options)
          : new Histogram({ ...options, buckets: 'buckets' in spec ? [...spec.buckets] : undefined }),
      );
    }
  }

  /** Counters add the value, histograms observe it; a metric of the other process is a bug, refused loudly. */
  record(observations: readonly Observation[]): void {
    for (const { metric, labels = {}, value } of observations) {
      const target = this.metrics.get(metric);
      if (!target) throw new Error(`${metric} is not a metric of this process`);
      if (target instanceof Counter) target.inc(labels, value);
      else if (target instanceof Histogram) target.observe(labels, value);
    }
  }

  /** A gauge computed at scrape time (the API's count of waiting changes). */
  gauge(name: ProductMetricName, collect: (gauge: Gauge) => Promise<void>): Gauge {
    const spec = productMetrics[name];
    if (spec.type !== 'gauge') throw new Error(`${name} is not a gauge`);
    return new Gauge({
      name,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [this.registry],
      async collect() {
        await collect(this);
      },
    });
  }
}

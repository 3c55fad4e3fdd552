import type { Db, Filter } from 'mongodb';
import type { LeadMetricName } from '../domain/observation';
import type { MetricQuery, MetricSample, MetricSource } from '../domain/metrics';
import { productCollection } from './collections';

/** One lead's outcome in a flow, as the platform records it. */
export interface LeadEvent {
  flowId: string;
  at: Date;
  outcome: 'accepted' | 'rejected' | 'delivery-failed' | 'error';
  deliveryLatencyMs?: number;
  /** What the buyer paid for an accepted lead. */
  price?: number;
  delivered?: boolean;
  /** Consent evidence (e.g. a TrustedForm/Jornaya certificate) was present on the lead. */
  consentEvidence?: boolean;
}

export function leadEventsCollection(db: Db) {
  return productCollection<LeadEvent>(db, 'leadEvents');
}

/**
 * Metrics from the platform's own lead events, filtered to the flows a change touched. Only
 * counts and one sorted read travel from the database (no event is loaded whole), so a busy
 * window costs a few queries, whatever its size.
 */
export function createLeadEventsSource(db: Db): MetricSource {
  const events = leadEventsCollection(db);
  return {
    async sample(query: MetricQuery): Promise<MetricSample> {
      if (query.trigger.metric.source !== 'lead-events') throw new TypeError('not a lead-events trigger');
      const window: Filter<LeadEvent> = {
        flowId: { $in: query.flows },
        at: { $gte: new Date(query.from), $lt: new Date(query.to) },
      };
      const count = (extra: Filter<LeadEvent> = {}) => events.countDocuments({ ...window, ...extra });
      return compute[query.trigger.metric.name](count, window, events);
    },
  };
}

type Count = (extra?: Filter<LeadEvent>) => Promise<number>;
type Events = ReturnType<typeof leadEventsCollection>;

const ratio = (part: number, whole: number): MetricSample => ({
  value: whole === 0 ? null : part / whole,
  samples: whole,
});

const compute: Record<
  LeadMetricName,
  (count: Count, window: Filter<LeadEvent>, events: Events) => Promise<MetricSample>
> = {
  'error-rate': async (count) => ratio(await count({ outcome: { $in: ['error', 'delivery-failed'] } }), await count()),
  'rejection-rate': async (count) => ratio(await count({ outcome: 'rejected' }), await count()),
  'acceptance-rate': async (count) => ratio(await count({ outcome: 'accepted' }), await count()),
  'compliance-failure-rate': async (count) =>
    ratio(await count({ delivered: true, consentEvidence: { $ne: true } }), await count({ delivered: true })),
  async 'p95-delivery-latency-ms'(count, window, events) {
    const withLatency: Filter<LeadEvent> = { ...window, deliveryLatencyMs: { $exists: true } };
    const n = await count({ deliveryLatencyMs: { $exists: true } });
    if (n === 0) return { value: null, samples: 0 };
    // Nearest-rank p95: the value at rank ceil(0.95 n), read with one sorted, skipped query.
    const rank = Math.ceil(0.95 * n);
    const [at] = await events
      .find(withLatency, { projection: { deliveryLatencyMs: 1 } })
      .sort({ deliveryLatencyMs: 1 })
      .skip(rank - 1)
      .limit(1)
      .toArray();
    return { value: at?.deliveryLatencyMs ?? null, samples: n };
  },
  async 'revenue-per-lead'(count, window, events) {
    const n = await count();
    if (n === 0) return { value: null, samples: 0 };
    let revenue = 0;
    for await (const e of events.find({ ...window, outcome: 'accepted' }, { projection: { price: 1 } }))
      revenue += e.price ?? 0;
    return { value: revenue / n, samples: n };
  },
};

import { deriveInsights, type InsightSource } from '../domain/insight-facts';

/** The writes that store a report's insight facts: on the report itself, and on the change a rollback later rolled back. */
export interface InsightWrites {
  /** Dotted `$set` fields, so `insights.rolledBackLater` (written by another report) survives. */
  own: Record<string, unknown>;
  others: { filter: { _id: string }; update: { $set: Record<string, unknown> } }[];
}

export function insightWrites(report: InsightSource, storedAt: Date): InsightWrites {
  const { facts, waitsMs } = deriveInsights(report, storedAt);
  const own: Record<string, unknown> = { insightWaitsMs: waitsMs };
  for (const [field, value] of Object.entries(facts)) own[`insights.${field}`] = value;
  // A rollback run later that restored a finished change makes that change a failed one.
  const others =
    report.rollsBack && facts.outcome === 'rolled-back'
      ? [{ filter: { _id: report.rollsBack }, update: { $set: { 'insights.rolledBackLater': true } } }]
      : [];
  return { own, others };
}

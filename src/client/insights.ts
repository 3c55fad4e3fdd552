import type { Db } from 'mongodb';
import { assembleInsights, type Insights } from '../domain/insights';
import { insightsQuerySchema, insightsRange, type InsightsQuery } from '../domain/insights-query';
import { parseOrThrow } from '../domain/validation';
import { queryInsights } from '../store/insights';

/**
 * The insights over the stored reports: the query validated (ValidationError naming the field),
 * the range resolved against now, the figures aggregated in MongoDB (src/store/insights.ts) and
 * assembled per period. Needs the database only, so the CLI runs it without Temporal.
 */
export async function readInsights(db: Db, query: InsightsQuery = {}): Promise<Insights> {
  const valid = parseOrThrow(insightsQuerySchema, query, 'insights query');
  const range = insightsRange(valid, new Date());
  return assembleInsights(range, await queryInsights(db, range));
}

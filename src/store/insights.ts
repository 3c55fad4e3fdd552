import type { Db, Document } from 'mongodb';
import { INSIGHT_FACTS_VERSION, insightSourceFields, type InsightSource } from '../domain/insight-facts';
import type { InsightRows, PeriodValue } from '../domain/insights';
import type { InsightsRange } from '../domain/insights-query';
import { insightPercentiles, percentileIndex } from '../domain/percentiles';
import { targetKinds, type TargetKind } from '../domain/targets/index';
import { insightWrites } from './insight-facts';
import { reportsCollection } from './reports';

/**
 * The insights as MongoDB aggregations over the facts stored on each report (`insights`, see
 * src/domain/insight-facts.ts). Written for what every MongoDB-protocol server the product runs
 * on answers — MongoDB 7 and FerretDB 1.24 alike: `$match`, `$group` with ONE `$sum` each (FerretDB
 * answers 0 for a second accumulator), `$sort`, `$skip`, `$limit`, `$project` of fields, and
 * `$unwind` of a top-level array only. No `$cond`, `$push`, `$percentile` or date operators.
 *
 * What leaves the database per call: one row per group (period × outcome, cause, category,
 * trigger or target kind) with one number; one number per percentile per period (the value at
 * its rank, found by sorting and skipping); the 10 most frequent failing steps; 5 root-cause
 * notes of each list. Never a whole report — except, once per report, the fields a backfill
 * derives the facts from (`backfillInsightFacts`).
 */

/** How many aggregations run at once against the database. */
const CONCURRENCY = 4;
/** Reports loaded at a time by the backfill. */
const BACKFILL_BATCH = 100;

const indexesMade = new WeakMap<Db, Promise<void>>();

const insightIndexes = [
  { key: { 'insights.at': 1 }, name: 'insights_at' },
  { key: { 'insights.kinds': 1, 'insights.at': 1 }, name: 'insights_kinds_at' },
  { key: { 'insights.v': 1 }, name: 'insights_v' },
] as const;

/**
 * The indexes the insights filter on: the time range, alone and within a target kind, and the
 * facts' version. Only missing ones are created, one at a time: FerretDB drops the connection
 * when one `createIndexes` names several indexes of which some exist.
 */
function ensureIndexes(db: Db): Promise<void> {
  let made = indexesMade.get(db);
  if (!made) {
    const reports = reportsCollection(db);
    made = (async () => {
      const existing = new Set(
        (
          await reports
            .listIndexes()
            .toArray()
            .catch(() => [])
        ).map((index) => String(index.name)),
      );
      for (const index of insightIndexes)
        if (!existing.has(index.name)) await reports.createIndex(index.key, { name: index.name });
    })().catch((err: unknown) => {
      indexesMade.delete(db);
      throw err;
    });
    indexesMade.set(db, made);
  }
  return made;
}

/**
 * Derives the facts of every stored report that has none, or facts of an older derivation (reports
 * stored before the insights existed, or before INSIGHT_FACTS_VERSION changed), a batch at a time.
 * Each report is loaded once, with only the fields the derivation reads; the write is skipped when
 * the report was stored again meanwhile (it then has current facts). Returns how many were derived.
 */
export async function backfillInsightFacts(db: Db): Promise<number> {
  const reports = reportsCollection(db);
  const stale = { 'insights.v': { $ne: INSIGHT_FACTS_VERSION } };
  const projection = Object.fromEntries([...insightSourceFields, 'storedAt'].map((field) => [field, 1]));
  const seen = new Set<string>();
  for (;;) {
    const batch = await reports
      .find(stale, { projection })
      .limit(BACKFILL_BATCH + seen.size)
      .toArray();
    const fresh = batch.filter((report) => !seen.has(report._id));
    // A report whose write did not take (removed meanwhile) is not read again and again.
    if (fresh.length === 0) return seen.size;
    for (const stored of fresh) {
      seen.add(stored._id);
      const writes = insightWrites(sourceOf(stored), stored.storedAt instanceof Date ? stored.storedAt : new Date(0));
      await reports.updateOne({ _id: stored._id, ...stale }, { $set: writes.own });
      for (const other of writes.others) await reports.updateOne(other.filter, other.update);
    }
  }
}

/** Old reports may lack lists newer reports always have. */
function sourceOf(stored: Partial<InsightSource>): InsightSource {
  return {
    ...stored,
    phase: stored.phase ?? 'completed',
    finishedAt: stored.finishedAt ?? '',
    steps: Array.isArray(stored.steps) ? stored.steps : [],
    decisions: Array.isArray(stored.decisions) ? stored.decisions : [],
    timeline: Array.isArray(stored.timeline) ? stored.timeline : [],
  };
}

async function inTurns<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, lane));
  return results;
}

type Keys = Record<string, string>;
type GroupRow = Record<string, unknown> & PeriodValue;

/** Reads the stored facts, with only the range and the target kind filtered (both indexed). */
export async function queryInsights(db: Db, range: InsightsRange): Promise<InsightRows> {
  await ensureIndexes(db);
  await backfillInsightFacts(db);
  const reports = reportsCollection(db);
  const base: Document = {
    'insights.at': { $gte: range.from, $lt: range.to },
    ...(range.targetKind ? { 'insights.kinds': range.targetKind } : {}),
  };
  const periodField = `insights.${range.period}`;
  const rolledBack = { 'insights.outcome': 'rolled-back' };

  /** Rows of `$group` by the period and `keys` (fact fields), summing `sum` (1 counts). */
  const grouped = async (match: Document, keys: Keys, sum: 1 | string) => {
    const id = { period: `$${periodField}`, ...Object.fromEntries(Object.entries(keys).map(([k, f]) => [k, `$${f}`])) };
    const rows = await reports
      .aggregate<{ _id: Record<string, unknown>; n: number }>([
        { $match: { ...base, ...match } },
        { $group: { _id: id, n: { $sum: sum === 1 ? 1 : `$${sum}` } } },
      ])
      .toArray();
    return rows
      .filter((row) => typeof row._id.period === 'string')
      .map((row) => ({ ...row._id, period: row._id.period as string, value: row.n }) as GroupRow);
  };
  const values = (rows: { period: string; value: number }[]): PeriodValue[] =>
    rows.map(({ period, value }) => ({ period, value }));
  const asString = (value: unknown) => (typeof value === 'string' ? value : null);

  const kinds: TargetKind[] = range.targetKind ? [range.targetKind] : targetKinds;
  const [outcomes, rollbacks, categories, triggers, ttrCount, ttrSum, questions, waitSum, escalations, ...byKind] =
    await inTurns([
      () =>
        grouped({ 'insights.run': 'change' }, { outcome: 'insights.outcome', later: 'insights.rolledBackLater' }, 1),
      () => grouped(rolledBack, { run: 'insights.run', cause: 'insights.cause' }, 1),
      () => grouped({ ...rolledBack, 'insights.category': { $type: 'string' } }, { category: 'insights.category' }, 1),
      () =>
        grouped(
          { ...rolledBack, 'insights.trigger.name': { $type: 'string' } },
          { name: 'insights.trigger.name', source: 'insights.trigger.source' },
          1,
        ),
      () => grouped({ 'insights.ttrMs': { $type: 'number' } }, {}, 1),
      () => grouped({ 'insights.ttrMs': { $type: 'number' } }, {}, 'insights.ttrMs'),
      () => grouped({ 'insights.questions': { $gt: 0 } }, {}, 'insights.questions'),
      () => grouped({ 'insights.questions': { $gt: 0 } }, {}, 'insights.waitMs'),
      () => grouped({ 'insights.escalations': { $gt: 0 } }, {}, 'insights.escalations'),
      ...kinds.map((kind) => () => grouped({ ...rolledBack, 'insights.kinds': kind }, {}, 1)),
    ]);

  // The value at a rank: sorted ascending in the database, skipped to the rank, one value out.
  const atRank = async (metric: 'ttr' | 'wait', period: string | null, index: number): Promise<number | undefined> => {
    const scope: Document = { ...base, ...(period === null ? {} : { [periodField]: period }) };
    const pipeline: Document[] =
      metric === 'ttr'
        ? [
            { $match: { ...scope, 'insights.ttrMs': { $type: 'number' } } },
            { $sort: { 'insights.ttrMs': 1 } },
            { $skip: index },
            { $limit: 1 },
            { $project: { 'insights.ttrMs': 1 } },
          ]
        : [
            { $match: { ...scope, 'insights.questions': { $gt: 0 } } },
            { $project: { insightWaitsMs: 1 } },
            { $unwind: '$insightWaitsMs' },
            { $sort: { insightWaitsMs: 1 } },
            { $skip: index },
            { $limit: 1 },
          ];
    const [row] = await reports
      .aggregate<{ insights?: { ttrMs?: number }; insightWaitsMs?: number }>(pipeline)
      .toArray();
    const value = metric === 'ttr' ? row?.insights?.ttrMs : row?.insightWaitsMs;
    return typeof value === 'number' ? value : undefined;
  };
  const counts = { ttr: values(ttrCount!), wait: values(questions!) };
  const ranks: { metric: 'ttr' | 'wait'; period: string | null; p: (typeof insightPercentiles)[number]; n: number }[] =
    [];
  for (const metric of ['ttr', 'wait'] as const) {
    const total = counts[metric].reduce((sum, row) => sum + row.value, 0);
    for (const p of insightPercentiles) {
      ranks.push({ metric, period: null, p, n: total });
      for (const row of counts[metric]) ranks.push({ metric, period: row.period, p, n: row.value });
    }
  }
  const percentiles = (
    await inTurns(
      ranks
        .filter((rank) => rank.n > 0)
        .map((rank) => async () => {
          const value = await atRank(rank.metric, rank.period, percentileIndex(rank.n, rank.p)!);
          return value === undefined ? undefined : { metric: rank.metric, period: rank.period, p: rank.p, value };
        }),
    )
  ).filter((row) => row !== undefined);

  const [failingSteps, mostRecent, mostFrequent] = await Promise.all([
    reports
      .aggregate<{ _id: { id: string; target: TargetKind }; n: number }>([
        { $match: { ...base, 'insights.failingStep.id': { $type: 'string' } } },
        { $group: { _id: { id: '$insights.failingStep.id', target: '$insights.failingStep.target' }, n: { $sum: 1 } } },
        { $sort: { n: -1, '_id.id': 1, '_id.target': 1 } },
        { $limit: 10 },
      ])
      .toArray(),
    reports
      .find({ ...base, 'rootCause.note': { $type: 'string' } }, { projection: { rootCause: 1 } })
      .sort({ 'rootCause.at': -1, _id: 1 })
      .limit(5)
      .toArray(),
    reports
      .aggregate<{ _id: string; n: number }>([
        { $match: { ...base, 'rootCause.note': { $type: 'string' } } },
        { $group: { _id: '$rootCause.note', n: { $sum: 1 } } },
        { $match: { n: { $gte: 2 } } },
        { $sort: { n: -1, _id: 1 } },
        { $limit: 5 },
      ])
      .toArray(),
  ]);

  return {
    outcomes: outcomes!.map((row) => ({
      period: row.period,
      value: row.value,
      outcome: (asString(row.outcome) ?? 'other') as InsightRows['outcomes'][number]['outcome'],
      later: row.later === true,
    })),
    rollbacks: rollbacks!.map((row) => ({
      period: row.period,
      value: row.value,
      later: row.run === 'rollback-later',
      cause: asString(row.cause) as InsightRows['rollbacks'][number]['cause'],
    })),
    categories: categories!.map((row) => ({ period: row.period, value: row.value, category: String(row.category) })),
    triggers: triggers!.map((row) => ({
      period: row.period,
      value: row.value,
      name: String(row.name),
      source: asString(row.source) ?? 'other',
    })),
    kinds: byKind.flatMap((rows, index) => values(rows).map((row) => ({ ...row, kind: kinds[index]! }))),
    ttrCount: values(ttrCount!),
    ttrSum: values(ttrSum!),
    questions: values(questions!),
    waitSum: values(waitSum!),
    escalations: values(escalations!),
    percentiles,
    failingSteps: failingSteps.map((row) => ({ stepId: row._id.id, target: row._id.target, count: row.n })),
    rootCauses: {
      mostRecent: mostRecent.map((report) => ({ changeId: report._id, ...report.rootCause! })),
      mostFrequent: mostFrequent.map((row) => ({ note: row._id, count: row.n })),
    },
  };
}

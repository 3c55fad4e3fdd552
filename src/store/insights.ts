import type { Db, Document } from 'mongodb';
import { INSIGHT_FACTS_VERSION, insightSourceFields, type InsightSource } from '../domain/insight-facts';
import type { InsightRows } from '../domain/insights';
import type { InsightsRange } from '../domain/insights-query';
import { percentilesByPeriod } from '../domain/percentiles';
import { targetKinds, type TargetKind } from '../domain/targets/index';
import { insightWrites } from './insight-facts';
import { runBreakdowns, samples, sumByPeriod, withPeriod, type GroupRow, type ProjectedFacts } from './insight-rows';
import { reportsCollection } from './reports';

/**
 * The insights as MongoDB aggregations over the facts stored on each report (`insights`, see
 * src/domain/insight-facts.ts). Written for what every MongoDB-protocol server the product runs
 * on answers — MongoDB 7 and FerretDB 1.24 alike: `$match`, `$group` with ONE `$sum` each (FerretDB
 * answers 0 for a second accumulator), `$sort`, `$limit`, and `$project` of fields. No `$cond`,
 * `$push`, `$percentile` or date operators; no `$unwind` either (FerretDB's keeps only the
 * unwound field, so a wait would lose its period).
 *
 * Six reads per call, at most four at a time, each one pass over the range (after the backfill's
 * look for reports without current facts):
 * 1. one `$group` of the reports by period × run × outcome × rolled back later × cause × category
 *    × trigger × target kinds × escalations, counting; the changes by outcome, the rollbacks by
 *    cause, category, trigger and kind, and the escalations are added up from its rows in the
 *    process (src/store/insight-rows.ts);
 * 2. the period key and time to recover of each run that measured one;
 * 3. the period key, question count, total wait and list of waits of each report that answered
 *    questions;
 * 4. the 10 most frequent failing steps; 5 and 6, five root-cause notes of each list.
 * Counts and sums of recoveries and waits, and nearest-rank percentiles per period and overall
 * (src/domain/percentiles.ts), are computed from 2 and 3.
 *
 * What leaves the database: group keys (period, run, outcome, cause, category, trigger name and
 * source, target kinds, escalations, failing step id and kind) each with a count; period keys
 * with numbers (times to recover, question counts and waits); the root-cause notes (with their
 * change, author and time). Never a whole report — except, once per report, the fields a backfill
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

/** Runs the tasks given to it at most `n` at a time, each answering its own type. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

type Keys = Record<string, string>;

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
  const queued = limiter(CONCURRENCY);

  /** Rows of `$group` by the period and `keys` (fact fields), summing `sum` (1 counts). */
  const grouped = (match: Document, keys: Keys, sum: 1 | string) =>
    queued(async () => {
      const id = {
        period: `$${periodField}`,
        ...Object.fromEntries(Object.entries(keys).map(([k, f]) => [k, `$${f}`])),
      };
      const rows = await reports
        .aggregate<{ _id: Record<string, unknown>; n: number }>([
          { $match: { ...base, ...match } },
          { $group: { _id: id, n: { $sum: sum === 1 ? 1 : `$${sum}` } } },
        ])
        .toArray();
      return rows
        .filter((row) => typeof row._id.period === 'string')
        .map((row) => ({ ...row._id, period: row._id.period as string, value: row.n }) as GroupRow);
    });
  /** The period key and some facts of each matching report: numbers, never the report. */
  const projected = (match: Document, fields: string[]) =>
    queued(async () => {
      const projection = { _id: 0, [periodField]: 1, ...Object.fromEntries(fields.map((field) => [field, 1])) };
      const rows = await reports
        .aggregate<ProjectedFacts>([{ $match: { ...base, ...match } }, { $project: projection }])
        .toArray();
      return withPeriod(rows, range.period);
    });

  const [runs, recoveries, waits, failingSteps, mostRecent, mostFrequent] = await Promise.all([
    // Every count of runs in one group, split in `runBreakdowns`.
    grouped(
      {},
      {
        run: 'insights.run',
        outcome: 'insights.outcome',
        later: 'insights.rolledBackLater',
        cause: 'insights.cause',
        category: 'insights.category',
        name: 'insights.trigger.name',
        source: 'insights.trigger.source',
        kinds: 'insights.kinds',
        escalations: 'insights.escalations',
      },
      1,
    ),
    projected({ 'insights.ttrMs': { $type: 'number' } }, ['insights.ttrMs']),
    // Each report's list of waits, not unwound: FerretDB's $unwind keeps only the unwound field.
    projected({ 'insights.questions': { $gt: 0 } }, ['insights.questions', 'insights.waitMs', 'insightWaitsMs']),
    queued(() =>
      reports
        .aggregate<{ _id: { id: string; target: TargetKind }; n: number }>([
          { $match: { ...base, 'insights.failingStep.id': { $type: 'string' } } },
          {
            $group: {
              _id: { id: '$insights.failingStep.id', target: '$insights.failingStep.target' },
              n: { $sum: 1 },
            },
          },
          { $sort: { n: -1, '_id.id': 1, '_id.target': 1 } },
          { $limit: 10 },
        ])
        .toArray(),
    ),
    queued(() =>
      reports
        .find({ ...base, 'rootCause.note': { $type: 'string' } }, { projection: { rootCause: 1 } })
        .sort({ 'rootCause.at': -1, _id: 1 })
        .limit(5)
        .toArray(),
    ),
    queued(() =>
      reports
        .aggregate<{ _id: string; n: number }>([
          { $match: { ...base, 'rootCause.note': { $type: 'string' } } },
          { $group: { _id: '$rootCause.note', n: { $sum: 1 } } },
          { $match: { n: { $gte: 2 } } },
          { $sort: { n: -1, _id: 1 } },
          { $limit: 5 },
        ])
        .toArray(),
    ),
  ]);

  const ttr = samples(recoveries, (facts) => [facts.insights?.ttrMs]);
  const waited = samples(waits, (facts) => (Array.isArray(facts.insightWaitsMs) ? facts.insightWaitsMs : []));
  return {
    ...runBreakdowns(runs, range.targetKind ? [range.targetKind] : targetKinds),
    ttrCount: sumByPeriod(ttr.map(({ period }) => ({ period, value: 1 }))),
    ttrSum: sumByPeriod(ttr),
    questions: sumByPeriod(samples(waits, (facts) => [facts.insights?.questions])),
    waitSum: sumByPeriod(samples(waits, (facts) => [facts.insights?.waitMs])),
    percentiles: [
      ...percentilesByPeriod(ttr).map((row) => ({ metric: 'ttr' as const, ...row })),
      ...percentilesByPeriod(waited).map((row) => ({ metric: 'wait' as const, ...row })),
    ],
    failingSteps: failingSteps.map((row) => ({ stepId: row._id.id, target: row._id.target, count: row.n })),
    rootCauses: {
      mostRecent: mostRecent.map((report) => ({ changeId: report._id, ...report.rootCause! })),
      mostFrequent: mostFrequent.map((row) => ({ note: row._id, count: row.n })),
    },
  };
}

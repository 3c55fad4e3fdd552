/**
 * The insights benchmark: stores REPORTS (default 2000) synthetic reports over the 90 days before
 * a fixed date through the real `storeReport`, then times the answer the API gives
 * (`queryInsights`, then `assembleInsights`) by day, week and month, RUNS each (default 3; the
 * first read of all, which creates the indexes, is not timed), and counts the queries each read
 * sends and the further batches (getMore) of their answers. Prints a digest of each answer (keys
 * sorted): the same REPORTS give the same reports, so two builds that answer alike print the same
 * digests; ANSWERS=dir writes each answer there to compare them in full. `npm run bench:insights`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import stringify from 'safe-stable-stringify';
import { assembleInsights } from '../src/domain/insights';
import type { PeriodKind } from '../src/domain/periods';
import { addRootCauseNote, storeReport } from '../src/store/reports';
import { queryInsights } from '../src/store/insights';
import { startDatabase } from '../tools/devenv/database';
import { syntheticReports } from './insight-reports';

const TO = new Date('2026-03-01T00:00:00.000Z');
const FROM = new Date(TO.getTime() - 90 * 86_400_000);

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const count = positive('REPORTS', 2000);
  const runs = positive('RUNS', 3);
  const answers = process.env.ANSWERS;
  if (answers) fs.mkdirSync(answers, { recursive: true });
  const database = await startDatabase();
  const mongo = await MongoClient.connect(database.uri, { monitorCommands: true });
  // Queries (aggregate, find) and the further batches of their answers (getMore), per read.
  let queries = 0;
  let batches = 0;
  mongo.on('commandStarted', (event) => {
    if (event.commandName === 'aggregate' || event.commandName === 'find') queries++;
    else if (event.commandName === 'getMore') batches++;
  });
  try {
    const db = mongo.db(`bench_insights_${Date.now()}`);
    console.log(`insights: ${count} reports over 90 days on ${database.kind}`);
    const storing = performance.now();
    const reports = syntheticReports(count, FROM, TO);
    for (const report of reports) await storeReport(db, report);
    for (const report of reports.filter((_, i) => i % 25 === 0))
      await addRootCauseNote(db, report.changeId, {
        note: `note ${report.changeId.length % 3}`,
        author: 'sre@example.com',
        at: report.finishedAt,
      });
    console.log(`  stored in ${((performance.now() - storing) / 1000).toFixed(1)} s`);
    await queryInsights(db, { from: FROM, to: TO, period: 'week' });

    const rows: Record<string, unknown>[] = [];
    for (const period of ['day', 'week', 'month'] as PeriodKind[]) {
      const times: number[] = [];
      let digest = '';
      let sent = { queries: 0, batches: 0 };
      for (let run = 0; run < runs; run++) {
        queries = 0;
        batches = 0;
        const started = performance.now();
        const range = { from: FROM, to: TO, period };
        const answer = assembleInsights(range, await queryInsights(db, range));
        times.push(performance.now() - started);
        sent = { queries, batches };
        const text = stringify(answer, null, 1) ?? '';
        digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
        if (answers) fs.writeFileSync(path.join(answers, `${period}.json`), text);
      }
      times.sort((a, b) => a - b);
      const row = {
        period,
        medianMs: Math.round(times[Math.floor(times.length / 2)]!),
        minMs: Math.round(times[0]!),
        maxMs: Math.round(times[times.length - 1]!),
        ...sent,
        digest,
      };
      console.log(
        `  by ${period.padEnd(5)} median ${(row.medianMs / 1000).toFixed(2)} s (min ${(row.minMs / 1000).toFixed(2)}, max ${(row.maxMs / 1000).toFixed(2)}) over ${runs} runs, ${sent.queries} queries + ${sent.batches} getMore, answer ${digest}`,
      );
      rows.push(row);
    }
    console.log(JSON.stringify({ reports: count, runs, database: database.kind, results: rows }));
    await db.dropDatabase();
  } finally {
    await mongo.close();
    await database.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * The insights benchmark: stores REPORTS (default 2000) synthetic reports over the 90 days before
 * a fixed date through the real `storeReport`, then times `queryInsights` by day, week and month
 * (RUNS each, default 3; the first read of all, which creates the indexes, is not timed) and
 * counts the commands each read sends. Prints a digest of each answer: the same REPORTS give the
 * same reports, so two builds that answer the same print the same digests. `npm run bench:insights`.
 */
import { createHash } from 'node:crypto';
import { MongoClient } from 'mongodb';
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
  const database = await startDatabase();
  const mongo = await MongoClient.connect(database.uri, { monitorCommands: true });
  let commands = 0;
  mongo.on('commandStarted', (event) => {
    if (event.commandName === 'aggregate' || event.commandName === 'find' || event.commandName === 'getMore')
      commands++;
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
      let sent = 0;
      for (let run = 0; run < runs; run++) {
        commands = 0;
        const started = performance.now();
        const answer = await queryInsights(db, { from: FROM, to: TO, period });
        times.push(performance.now() - started);
        sent = commands;
        digest = createHash('sha256').update(JSON.stringify(answer)).digest('hex').slice(0, 16);
      }
      times.sort((a, b) => a - b);
      const row = {
        period,
        medianMs: Math.round(times[Math.floor(times.length / 2)]!),
        minMs: Math.round(times[0]!),
        maxMs: Math.round(times[times.length - 1]!),
        commands: sent,
        digest,
      };
      console.log(
        `  by ${period.padEnd(5)} median ${(row.medianMs / 1000).toFixed(2)} s (min ${(row.minMs / 1000).toFixed(2)}, max ${(row.maxMs / 1000).toFixed(2)}) over ${runs} runs, ${sent} commands, answer ${digest}`,
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

/**
 * The lead-data batch benchmark: seeds LEADS (default 100 000) leads in a fresh database, runs a
 * change over half of them through the real activities (apply, verify, restore, verify restore)
 * and prints elapsed seconds, leads/s and peak RSS per phase. `npm run bench:leads`.
 */
import { MongoClient } from 'mongodb';
import { startDatabase } from '../tools/devenv/database';
import { runLeadBatch } from '../test/helpers/leads';

async function main(): Promise<void> {
  const count = Number(process.env.LEADS ?? 100_000);
  if (!Number.isInteger(count) || count < 1) throw new Error('LEADS must be a positive integer');
  const database = await startDatabase();
  const mongo = await MongoClient.connect(database.uri);
  try {
    const db = mongo.db(`bench_${Date.now()}`);
    console.log(`lead-data batch: ${count} leads on ${database.kind}`);
    const result = await runLeadBatch(db, count, (line) => console.log(`  ${line}`));
    const restoredAll = result.restored.status === 'restored' && result.restored.restoredCount === result.selected;
    console.log(`  ${result.applied.summary}\n  ${result.restored.summary}`);
    console.log(
      JSON.stringify({
        leads: count,
        selected: result.selected,
        database: database.kind,
        restoredAll,
        phases: result.phases,
      }),
    );
    await db.dropDatabase();
    if (!restoredAll) process.exitCode = 1;
  } finally {
    await mongo.close();
    await database.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

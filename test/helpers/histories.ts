import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = path.resolve(__dirname, '..', 'histories');

/** `npm run histories:record` sets this; a normal run only replays what is stored. */
export const recording = process.env.LEAD_ROLLBACK_RECORD_HISTORIES === '1';

/** A readable, unique file name: the test name shortened, plus a hash of the whole name. */
function slug(text: string): string {
  const readable = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 90);
  return `${readable}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/**
 * Stores the history of every workflow a test ran on its task queue under test/histories, named
 * after the test, so later workflow changes are replayed against them on every CI run.
 */
export async function recordHistories(client: Client, taskQueue: string, testName: string): Promise<void> {
  let n = 0;
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const file = path.join(historiesDir, `${slug(testName)}${n++ > 0 ? `-${n}` : ''}.json`);
    fs.writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)))}\n`);
  }
}

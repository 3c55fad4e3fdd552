import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { historiesDir } from '../helpers/histories';
import { ENV, requiredEnv } from '../setup/services';

// Sub-folders keep histories recorded by earlier workflow versions (before a patch), so both the
// old and the new code path are replayed.
const files = (fs.readdirSync(historiesDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json'));

describe('replay: stored histories of every saga branch still replay with the current workflow code', () => {
  test('given the stored histories, then there is one per branch the saga tests cover', () => {
    // approval, step failure, escalation, manual rollback, compensation, cancellation, restart…
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  test('given each stored history, when replayed, then no nondeterminism or failure is found', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: requiredEnv(ENV.workflowBundle) } },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});

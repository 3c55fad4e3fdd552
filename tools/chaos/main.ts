import { Command, InvalidArgumentError } from 'commander';
import { ValidationError } from '../../src/domain/validation';
import { runCampaign } from './campaign';
import type { CampaignOptionsInput } from './options';
import { renderCampaign } from './report';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};

/**
 * `npm run chaos [-- --changes 100 --kills 10 --seed 7]`: runs a crash campaign, prints its table
 * and exits 0 when the checker found no inconsistency, 1 otherwise (2 on bad options).
 */
async function main(): Promise<number> {
  const opts = new Command('chaos')
    .description(
      'Crash campaign: changes under worker SIGKILLs, a Temporal server restart and partner faults, then an independent check',
    )
    .option('--changes <n>', 'how many changes (default 100)', int)
    .option('--kills <n>', 'random worker SIGKILLs (default: changes / 10, at least 3)', int)
    .option('--compensation-kills <n>', 'worker SIGKILLs while a change is compensating (default 2)', int)
    .option('--server-restarts <n>', 'Temporal server crashes and restarts (default 1)', int)
    .option('--concurrency <n>', 'changes in flight at once (default 12)', int)
    .option('--seed <n>', 'seed for the plan, faults and kill moments (default: random, printed)', int)
    .option('--max-minutes <n>', 'stop waiting after this long (default 30)', Number)
    .option('--stall-minutes <n>', 'stop waiting when no change settled for this long (default 5)', Number)
    .option(
      '--rollback-via <how>',
      'manual rollbacks by "update" (as the API, CLI and chat ops do; default), "signal", or "none" (no change is sent a message)',
    )
    .option(
      '--roll-back-later',
      'roll every change that completes back later (rollbackLaterWorkflow) while workers keep dying',
    )
    .option('--faults <json>', 'random faults, e.g. {"error":0.2,"rateLimit":0.1,"slow":0.05,"drop":0.02}')
    .option('--keep', 'keep .tmp/chaos-<run>/ (Temporal database file, logs, manifest, result.json)')
    .option('--json', 'print the result as JSON instead of the table')
    .parse()
    .opts<Record<string, unknown>>();
  const input: CampaignOptionsInput = {
    changes: opts.changes as number | undefined,
    kills: opts.kills as number | undefined,
    compensationKills: opts.compensationKills as number | undefined,
    serverRestarts: opts.serverRestarts as number | undefined,
    concurrency: opts.concurrency as number | undefined,
    seed: opts.seed as number | undefined,
    maxMinutes: opts.maxMinutes as number | undefined,
    stallMinutes: opts.stallMinutes as number | undefined,
    rollbackVia: opts.rollbackVia as 'update' | 'signal' | 'none' | undefined,
    rollBackLater: opts.rollBackLater === true,
    faults:
      opts.faults === undefined ? undefined : (JSON.parse(opts.faults as string) as CampaignOptionsInput['faults']),
    keep: opts.keep === true,
  };
  const result = await runCampaign(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  console.log(opts.json ? JSON.stringify(result, null, 2) : renderCampaign(result));
  return result.figures.inconsistencies === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof ValidationError || err instanceof SyntaxError ? 2 : 1);
  },
);

import { Option, type Command } from 'commander';
import { readInsights } from '../client/insights';
import { insightsQuerySchema, type InsightsQuery } from '../domain/insights-query';
import { periodKinds } from '../domain/periods';
import { targetKinds } from '../domain/targets/index';
import { parseOrThrow } from '../domain/validation';
import { renderInsightsText } from '../report/insights-text';
import { withDatabase } from './context';
import type { CommandKit } from './program';

/** `lead-rollback insights`: change failure rate, time to recover, rollbacks and waits on people, by period. */
export function addInsightsCommand(program: Command, { print }: CommandKit): void {
  program
    .command('insights')
    .description(
      'change failure rate, time to recover, rollbacks by cause, category, trigger and target kind, waits on people, failing steps and root causes over the stored reports, by period (needs MONGODB_URI)',
    )
    .option(
      '--from <date>',
      'start of the range, inclusive: an ISO date (UTC) or timestamp (default: 90 days before --to)',
    )
    .option('--to <date>', 'end of the range, exclusive (default: now)')
    .addOption(new Option('--period <period>', 'group by').choices(periodKinds).default('week'))
    .addOption(new Option('--target-kind <kind>', 'only changes with a step of this kind').choices(targetKinds))
    .action((options: InsightsQuery, command: Command) => {
      // Checked before connecting: a bad range is invalid input even when the database is down.
      const { from, to, period, targetKind } = options;
      const query = parseOrThrow(insightsQuerySchema, { from, to, period, targetKind }, 'insights query');
      return withDatabase(async ({ db }) => {
        const insights = await readInsights(db, query);
        print(command, insights, renderInsightsText(insights));
      });
    });
}

import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { rollbackCategories, type RollbackCategory } from '../domain/decisions';
import { purgeRecoveryData, type PurgeResult } from '../store/retention';
import type { ChangeRequestInput } from '../domain/change-request';
import { renderPreviewText } from '../report/preview-text';
import { renderRehearsalText } from '../report/rehearsal-text';
import { renderReportText } from '../report/text';
import { positiveInt } from './arguments';
import { withContext, withDatabase } from './context';
import { admissionText } from './render';
import { ExitCode, InputError } from './exit-codes';
import { readChangeFile } from './input';
import type { RestoreFlowOptions } from '../client/restore-flow';
import type { CommandKit } from './program';

const days = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of days (0 or more)');
  return n;
};

const newChangeId = () => `c-${randomUUID().replace(/-/g, '').slice(0, 24)}`;

/**
 * Commands around a change: previewing its rollback and rolling it back later, root-cause notes,
 * restoring a flow to a version or time, retention, rehearsals.
 */
export function addRecoveryCommands(program: Command, { print, setExitCode }: CommandKit): void {
  program
    .command('preview')
    .description(
      'what a rollback of a change would do now, per target, and what it would leave as conflicts; nothing is changed',
    )
    .argument('<change>')
    .action((changeId: string, _options: object, command: Command) =>
      withContext(async ({ changes }) => {
        const preview = await changes.previewRollback(changeId);
        print(command, preview, renderPreviewText(preview));
      }),
    );

  program
    .command('rollback-later')
    .description(
      "roll back a finished change from the recovery points it kept, as a change of its own (approved as the change's policy says)",
    )
    .argument('<change>')
    .requiredOption('--requested-by <actor>', 'who asks (the rollback’s requester: may not approve it)')
    .requiredOption('--reason <text>', 'why')
    .addOption(new Option('--category <category>', 'reason category').choices(rollbackCategories).makeOptionMandatory())
    .option(
      '--rollback-id <id>',
      'the rollback’s change id; asking again with it returns the same rollback (default: a new id)',
    )
    .option('--wait', 'wait until the rollback settles and print its report (exit 4 unless it ends rolled-back)')
    .action(
      (
        changeId: string,
        options: {
          requestedBy: string;
          reason: string;
          category: RollbackCategory;
          rollbackId?: string;
          wait?: boolean;
        },
        command: Command,
      ) =>
        withContext(async ({ changes, uiUrl }) => {
          const started = await changes.rollBackLater(
            changeId,
            { requestedBy: options.requestedBy, reason: options.reason, category: options.category },
            { rollbackId: options.rollbackId ?? newChangeId() },
          );
          const links = { temporalUi: uiUrl(started.workflowId) };
          const heading = `${started.created ? 'Started' : 'Already started:'} rollback of change ${changeId} as change ${started.changeId}${admissionText(started.admission)}\nTemporal UI: ${links.temporalUi}`;
          if (!options.wait) {
            print(command, { ...started, links }, heading);
            return;
          }
          const report = await changes.result(started.changeId);
          if (report.phase !== 'rolled-back') setExitCode(ExitCode.Refused);
          print(command, report, `${heading}\n\n${renderReportText(report)}`);
        }),
    );

  program
    .command('root-cause')
    .description('attach a root-cause note to a settled change (shown in its report; earlier notes are kept)')
    .argument('<change>')
    .requiredOption('--note <text>', 'what caused the problem')
    .requiredOption('--author <actor>', 'who says so')
    .action((changeId: string, options: { note: string; author: string }, command: Command) =>
      withContext(async ({ changes }) => {
        const result = await changes.addRootCause(changeId, options);
        print(
          command,
          result,
          `Root cause attached to change ${changeId} by ${result.rootCause.author} (${result.rootCauseHistory.length} note(s) in all)`,
        );
      }),
    );

  program
    .command('restore')
    .description(
      'restore a flow to a version (--version) or to its configuration at a time (--at), as a change that can be rolled back in turn',
    )
    .argument('<flow>')
    .option('--version <n>', 'the flow version to restore', positiveInt)
    .option(
      '--at <timestamp>',
      'restore the latest version written at or before this ISO 8601 time, e.g. 2025-03-01T12:00:00Z',
    )
    .requiredOption('--requested-by <actor>', 'who asks for the restore')
    .option('--expected-version <n>', 'only restore if the flow is still at this version', positiveInt)
    .option('--title <text>', 'the change title (default: "Restore flow <flow> to …")')
    .option('--policy <file>', 'the change policy (approval, escalation) as JSON or YAML')
    .option('--change-id <id>', 'the change id; restoring again with it returns the same change (default: a new id)')
    .action(
      (
        flowId: string,
        options: {
          version?: number;
          at?: string;
          requestedBy: string;
          expectedVersion?: number;
          title?: string;
          policy?: string;
          changeId?: string;
        },
        command: Command,
      ) => {
        // Read before connecting: a bad file is invalid input even when Temporal is down.
        const policy = options.policy ? readChangeFile(options.policy) : undefined;
        return withContext(async ({ changes, uiUrl }) => {
          const restoreTo = {
            ...(options.version !== undefined ? { version: options.version } : {}),
            ...(options.at !== undefined ? { at: options.at } : {}),
          };
          const started = await changes.restoreFlow(flowId, restoreTo, {
            changeId: options.changeId ?? newChangeId(),
            requestedBy: options.requestedBy,
            expectedVersion: options.expectedVersion,
            title: options.title,
            // Validated by the client with the change request's policy schema.
            policy: policy as RestoreFlowOptions['policy'],
          });
          const links = { temporalUi: uiUrl(started.workflowId) };
          print(
            command,
            { ...started, links },
            `${started.created ? 'Started' : 'Already started:'} restore of flow ${flowId} as change ${started.changeId}\nTemporal UI: ${links.temporalUi}`,
          );
        });
      },
    );

  program
    .command('purge-recovery-points')
    .description('delete recovery points (and lead journals) older than the retention, of finished changes only')
    .option('--dry-run', 'only list what would be deleted')
    .option('--retention-days <n>', 'override RECOVERY_POINT_RETENTION_DAYS', days)
    .action((options: { dryRun?: boolean; retentionDays?: number }, command: Command) =>
      withDatabase(async ({ config, db }) => {
        const result = await purgeRecoveryData(db, {
          retentionDays: options.retentionDays ?? config.RECOVERY_POINT_RETENTION_DAYS,
          dryRun: options.dryRun,
        });
        print(command, result, renderPurge(result));
      }),
    );

  program
    .command('rehearse')
    .description(
      'rehearse a change against the sandbox (apply, roll back, compare) and wait for the verdict; production is only read',
    )
    .argument('[file]', 'a change file (JSON or YAML, - for stdin)')
    .option('--change <id>', 'rehearse a stored change instead of a file')
    .option(
      '--rehearsal-id <id>',
      'the rehearsal id; running again with it returns the same rehearsal (default: a new id)',
    )
    .action((file: string | undefined, options: { change?: string; rehearsalId?: string }, command: Command) => {
      if ((file === undefined) === (options.change === undefined))
        throw new InputError('give a change file or --change <id>, not both');
      const request = file !== undefined ? readChangeFile(file) : undefined;
      return withContext(async ({ changes }) => {
        const rehearsalId = options.rehearsalId ?? `r-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
        // The request is validated by the client, like a change file for `start`.
        const report = await changes.rehearse(options.change ?? (request as ChangeRequestInput), { rehearsalId });
        if (!report.exact || !report.productionUntouched) setExitCode(ExitCode.RehearsalDiffers);
        print(command, report, renderRehearsalText(report));
      });
    });
}

function renderPurge(result: PurgeResult): string {
  const verb = result.dryRun ? 'would purge' : 'purged';
  const lines = [
    `Recovery data captured before ${result.cutoff} (retention ${result.retentionDays} day(s)): ${result.purged.length} change(s) ${verb}, ${result.kept.length} kept${result.dryRun ? ' (dry run: nothing deleted)' : ''}`,
  ];
  for (const change of result.purged) {
    const counts = Object.entries(change.deleted)
      .map(([collection, n]) => `${n} ${collection}`)
      .join(', ');
    lines.push(`  ${verb} ${change.changeId} (${change.phase}, finished ${change.finishedAt}): ${counts}`);
  }
  for (const change of result.kept) lines.push(`  kept ${change.changeId}: ${change.reason}`);
  return lines.join('\n');
}

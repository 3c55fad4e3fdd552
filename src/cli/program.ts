import { randomUUID } from 'node:crypto';
import { Command, CommanderError, Option } from 'commander';
import { listFilterSchema } from '../client/change-query';
import { checkDecisionInput } from '../client/decision-input';
import { decisionNames, rollbackCategories, type DecisionName, type RollbackCategory } from '../domain/decisions';
import { renderReportMarkdown } from '../report/markdown';
import { renderReportText } from '../report/text';
import { changeWorkflowId } from '../workflows/definitions';
import { positiveInt } from './arguments';
import { withContext } from './context';
import { exitCodeFor, ExitCode, exitCodeHelp } from './exit-codes';
import { readChangeFile } from './input';
import { addFlowCommands } from './flow-commands';
import { addInsightsCommand } from './insights-command';
import { addRecoveryCommands } from './recovery-commands';
import { admissionText, renderList, renderStatus } from './render';
import { watchChange } from './watch';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  tty: boolean;
}

interface Globals {
  json?: boolean;
}

/** Stands for "print as JSON" where a command's own option asks for it (`report --format json`). */
export const jsonCommand = Symbol('json');

/** What command modules get from the program: output, the JSON-or-text printer, and the exit code. */
export interface CommandKit {
  io: CliIo;
  print(command: Command | typeof jsonCommand, value: unknown, text: string): void;
  setExitCode(code: number): void;
}

/**
 * `lead-rollback` — every command talks to Temporal (and MongoDB for stored reports) with the same
 * environment as the worker, prints text for people or JSON with --json, and exits with a
 * documented code. Returns the exit code instead of exiting, so it can be run in-process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = new Command('lead-rollback')
    .description('Start, watch, decide on and roll back lead-platform changes')
    .option('--json', 'machine-readable output (errors too)')
    .addHelpText('after', exitCodeHelp)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  const json = (command: Command) => (command.optsWithGlobals() as Globals).json === true;
  const print = (command: Command | typeof jsonCommand, value: unknown, text: string) =>
    io.out(command === jsonCommand || json(command) ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

  program
    .command('start')
    .description('start a change from a JSON or YAML file (- for stdin)')
    .argument('<file>')
    .option('--change-id <id>', 'the change id; starting again with it returns the same change (default: a new id)')
    .action((file: string, options: { changeId?: string }, command: Command) => {
      // Read before connecting: a bad file is invalid input even when Temporal is down.
      const request = readChangeFile(file);
      return withContext(async ({ changes, uiUrl }) => {
        const started = await changes.start(request, {
          changeId: options.changeId ?? `c-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        });
        const links = { temporalUi: uiUrl(started.workflowId) };
        print(
          command,
          { ...started, links },
          `${started.created ? 'Started' : 'Already started:'} change ${started.changeId}${admissionText(started.admission)}\nTemporal UI: ${links.temporalUi}`,
        );
      });
    });

  program
    .command('status')
    .description('phase, steps, the open decision and its deadline; --watch follows until the change settles')
    .argument('<change>')
    .option('-w, --watch', 'redraw until the change settles')
    .option('--interval <ms>', 'redraw interval', positiveInt, 1000)
    .action((changeId: string, options: { watch?: boolean; interval: number }, command: Command) =>
      withContext(async ({ changes, uiUrl }) => {
        if (options.watch) {
          await watchChange(changes, changeId, {
            intervalMs: options.interval,
            json: json(command),
            uiUrl,
            write: io.out,
            tty: io.tty && !json(command),
          });
          return;
        }
        const [status, summary] = await Promise.all([changes.status(changeId), changes.describe(changeId)]);
        print(
          command,
          { ...status, executionStatus: summary.executionStatus, requestedBy: summary.requestedBy },
          renderStatus(status, summary, Date.now(), uiUrl(changeWorkflowId(changeId))),
        );
      }),
    );

  program
    .command('decide')
    .description('answer the open question of a change')
    .argument('<change>')
    .addArgument(program.createArgument('<decision>', 'the answer').choices(decisionNames))
    .requiredOption('--actor <actor>', 'who decides (checked against the level’s deciders)')
    .option('--group <group...>', 'groups the actor belongs to')
    .option('--comment <text>', 'why (required for resolved-manually)')
    .option('--question <id>', 'the question answered (default: the oldest open one)')
    .action(
      (
        changeId: string,
        decision: DecisionName,
        options: { actor: string; group?: string[]; comment?: string; question?: string },
        command: Command,
      ) =>
        withContext(async ({ changes }) => {
          const input = {
            decision,
            actor: options.actor,
            groups: options.group,
            comment: options.comment,
            ...(options.question ? { questionId: options.question } : {}),
          };
          checkDecisionInput(input);
          const outcome = await changes.decide(changeId, input);
          if (outcome.status === 'refused' || outcome.status === 'queued') exitCode = ExitCode.Refused;
          const text =
            outcome.status === 'partial'
              ? `Approval recorded: ${outcome.reason}`
              : outcome.status === 'accepted'
                ? `Decision ${decision} accepted`
                : `Decision not taken: ${JSON.stringify(outcome)}`;
          print(command, outcome, text);
        }),
    );

  program
    .command('rollback')
    .description('roll a running change back now')
    .argument('<change>')
    .requiredOption('--actor <actor>', 'who asks (the requester or a decider)')
    .requiredOption('--reason <text>', 'why')
    .addOption(new Option('--category <category>', 'reason category').choices(rollbackCategories).makeOptionMandatory())
    .option('--group <group...>', 'groups the actor belongs to')
    .action(
      (
        changeId: string,
        options: { actor: string; reason: string; category: RollbackCategory; group?: string[] },
        command: Command,
      ) =>
        withContext(async ({ changes }) => {
          const outcome = await changes.requestRollback(changeId, {
            actor: options.actor,
            groups: options.group,
            reason: options.reason,
            category: options.category,
          });
          if (outcome.status === 'refused') exitCode = ExitCode.Refused;
          print(
            command,
            outcome,
            outcome.status === 'refused' ? `Refused: ${outcome.reason}` : `Rollback ${outcome.status}`,
          );
        }),
    );

  program
    .command('list')
    .description('changes on the task queue, newest first')
    .addOption(
      new Option('--status <phase>', 'only this phase (ChangeStatus search attribute)').choices(
        listFilterSchema.shape.status.unwrap().options,
      ),
    )
    .option('--target <kind>', 'only changes touching this target kind')
    .option('--requested-by <actor>', 'only changes by this requester')
    .option('--limit <n>', 'page size (1-100)', positiveInt, 20)
    .option('--page-token <token>', 'next page, from a previous list')
    .action(
      (
        options: { status?: string; target?: string; requestedBy?: string; limit: number; pageToken?: string },
        command: Command,
      ) =>
        withContext(async ({ changes }) => {
          const page = await changes.list({
            status: options.status as never,
            target: options.target as never,
            requestedBy: options.requestedBy,
            pageSize: options.limit,
            nextPageToken: options.pageToken,
          });
          print(command, page, renderList(page));
        }),
    );

  program
    .command('report')
    .description('the report of a settled change: text, Markdown (with a Mermaid Gantt chart) or JSON')
    .argument('<change>')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
    .action((changeId: string, options: { format: 'text' | 'markdown' | 'json' }, command: Command) =>
      withContext(async ({ changes }) => {
        const report = await changes.report(changeId);
        if (options.format === 'markdown' && !json(command)) io.out(renderReportMarkdown(report));
        else print(options.format === 'json' ? jsonCommand : command, report, renderReportText(report));
      }),
    );

  addRecoveryCommands(program, { io, print, setExitCode: (code) => (exitCode = code) });
  addFlowCommands(program, { io, print, setExitCode: (code) => (exitCode = code) });
  addInsightsCommand(program, { io, print, setExitCode: (code) => (exitCode = code) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; every other commander error is bad usage.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? ExitCode.Ok
        : ExitCode.InvalidInput;
    }
    const code = exitCodeFor(err);
    const message = err instanceof Error ? err.message : String(err);
    if ((program.opts() as Globals).json)
      io.out(
        `${JSON.stringify({ error: { name: err instanceof Error ? err.name : 'Error', message, exitCode: code, ...issuesOf(err) } }, null, 2)}\n`,
      );
    io.err(`lead-rollback: ${message}\n`);
    return code;
  }
}

function issuesOf(err: unknown): { issues?: unknown } {
  const issues = (err as { issues?: unknown }).issues;
  return issues ? { issues } : {};
}

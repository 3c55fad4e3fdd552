import type { Command } from 'commander';
import { positiveInt } from './arguments';
import type { FlowDiff } from '../client/flow-diff';
import type { FlowVersions, FlowView } from '../client/flows';
import { withContext } from './context';
import { readChangeFile } from './input';
import type { CommandKit } from './program';

/** `lead-rollback flow …`: create or import a flow, read it, list its versions with lineage, diff two versions. */
export function addFlowCommands(program: Command, { print }: CommandKit): void {
  const flow = program.command('flow').description('lead flows: create or import, read, versions with lineage, diff');

  flow
    .command('create')
    .description(
      'create a flow from a JSON or YAML file (validated against schema/flow.schema.json); exit 4 if it exists',
    )
    .argument('<flow>', 'the flow id')
    .argument('<file>', 'the flow configuration (- for stdin)')
    .requiredOption('--actor <actor>', 'who creates it (recorded as the writer of version 1)')
    .action((flowId: string, file: string, options: { actor: string }, command: Command) => {
      const config = readChangeFile(file);
      return withContext(async ({ changes }) => {
        const created = await changes.createFlow(flowId, config, { actor: options.actor });
        print(command, created, `Created flow ${created.flowId} at version ${created.version}`);
      });
    });

  flow
    .command('get')
    .description('a flow as it is now: version, configuration, who wrote it')
    .argument('<flow>')
    .action((flowId: string, _options: object, command: Command) =>
      withContext(async ({ changes }) => {
        const view = await changes.flow(flowId);
        print(command, view, renderFlow(view));
      }),
    );

  flow
    .command('versions')
    .description('every version of a flow, oldest first: which change wrote it, which restore undid it')
    .argument('<flow>')
    .action((flowId: string, _options: object, command: Command) =>
      withContext(async ({ changes }) => {
        const versions = await changes.flowVersions(flowId);
        print(command, versions, renderVersions(versions));
      }),
    );

  flow
    .command('diff')
    .description('what changed between two versions of a flow (default: the previous version and the current one)')
    .argument('<flow>')
    .option('--from <n>', 'the older version', positiveInt)
    .option('--to <n>', 'the newer version (default: the current one)', positiveInt)
    .action((flowId: string, options: { from?: number; to?: number }, command: Command) =>
      withContext(async ({ changes }) => {
        const diff = await changes.diffFlow(flowId, options);
        print(command, diff, renderDiff(diff));
      }),
    );
}

function renderFlow(view: FlowView): string {
  return [
    `Flow ${view.flowId} at version ${view.version}, written by ${writer(view.writtenBy)} at ${view.updatedAt}`,
    JSON.stringify(view.config, null, 2),
  ].join('\n');
}

function writer(by: FlowView['writtenBy']): string {
  const who = by.changeId ? `change ${by.changeId}${by.stepId ? ` (step ${by.stepId})` : ''}` : (by.actor ?? 'unknown');
  const restores = by.restoresVersion !== undefined ? `, restoring version ${by.restoresVersion}` : '';
  return `${by.action} by ${who}${restores}`;
}

function renderVersions(versions: FlowVersions): string {
  const lines = [`Flow ${versions.flowId}: ${versions.versions.length} version(s), current ${versions.current}`];
  for (const v of versions.versions) {
    const undone = v.undoneBy
      ? ` — undone by version ${v.undoneBy.version}${v.undoneBy.changeId ? ` (change ${v.undoneBy.changeId})` : ''}`
      : '';
    lines.push(`  v${v.version}  ${v.writtenAt}  ${writer(v.writtenBy)}${undone}`);
  }
  return lines.join('\n');
}

function renderDiff(diff: FlowDiff): string {
  const head = `Flow ${diff.flowId}: version ${diff.from} → ${diff.to}, ${diff.operations.length} operation(s)`;
  return [head, ...diff.lines.map((line) => `  ${line}`)].join('\n');
}

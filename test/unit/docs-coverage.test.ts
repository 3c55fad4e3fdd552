import fs from 'node:fs';
import path from 'node:path';
import { apiConfigSchema } from '../../src/config/api';
import { changePhases, stepStates } from '../../src/domain/status';
import { tracingEnvShape } from '../../src/telemetry/config';
import { encryptionEnvShape } from '../../src/temporal/encryption-config';
import { codeSpans, docFiles, repoRoot, scan } from '../helpers/markdown';

/**
 * What an operator can set or call is documented somewhere in README.md or docs/: every
 * environment variable the configuration schemas read, every CLI command, every HTTP route and
 * every npm script. The README used to hold all of it on one page; split into pages, a variable or
 * a command could drop out unnoticed.
 */

const prose = docFiles()
  .flatMap((file) => scan(fs.readFileSync(path.join(repoRoot, file), 'utf8')).prose)
  .map(({ text }) => text)
  .join('\n');
const code = new Set(prose.split('\n').flatMap(codeSpans));
const allDocs = docFiles()
  .map((file) => fs.readFileSync(path.join(repoRoot, file), 'utf8'))
  .join('\n');

const sources = (dir: string): string[] =>
  fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    return entry.isDirectory()
      ? sources(rel)
      : entry.name.endsWith('.ts')
        ? [fs.readFileSync(path.join(repoRoot, rel), 'utf8')]
        : [];
  });

describe('what the docs cover', () => {
  test('given the configuration schemas, then every environment variable they read is documented', () => {
    const variables = [
      ...Object.keys(apiConfigSchema.shape),
      ...Object.keys(encryptionEnvShape),
      ...Object.keys(tracingEnvShape),
    ];
    expect(variables.length).toBeGreaterThan(30);
    // A table row may name two variables in one span (`API_HOST`, `API_PORT` or `A`, `B`).
    const undocumented = variables.filter((name) => ![...code].some((span) => span.split(/[\s,=]+/).includes(name)));
    expect(undocumented).toEqual([]);
  });

  test('given the CLI, then every command is documented', () => {
    // Subcommands of a group (`const flow = program.command('flow')`, then `flow.command('diff')`) are `flow diff`.
    const commands = sources('src/cli').flatMap((text) => {
      const groups = new Map(
        [...text.matchAll(/const (\w+) = program\s*\.command\('([a-z-]+)'\)/g)].map((m) => [m[1]!, m[2]!]),
      );
      return [...text.matchAll(/(\w+)\s*\.command\('([a-z-]+)'\)/g)].map(([, receiver, name]) =>
        groups.has(receiver!) ? `${groups.get(receiver!)} ${name}` : name!,
      );
    });
    expect(commands.length).toBeGreaterThanOrEqual(10);
    expect(commands.filter((command) => !allDocs.includes(`lead-rollback ${command}`))).toEqual([]);
  });

  test('given the HTTP API, then every route is documented', () => {
    const routes = sources('src/api').flatMap((text) =>
      [...text.matchAll(/method: '([A-Z]+)',\s*url: '([^']+)'/g)].map((match) => `${match[1]} ${match[2]}`),
    );
    expect(routes.length).toBeGreaterThanOrEqual(13);
    // The code writes path parameters as :changeId, the docs as {id} or :flowId: compare them as one.
    const parameters = (text: string) => text.replace(/\/(?::[A-Za-z]+|\{[A-Za-z]+\})/g, '/:param');
    const docs = parameters(allDocs);
    const documented = (route: string) => docs.includes(parameters(route));
    expect(routes.filter((route) => !documented(route))).toEqual([]);
  });

  test('given package.json, then every npm script is documented', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const documented = (name: string) =>
      name === 'test' ? allDocs.includes('npm test') : allDocs.includes(`npm run ${name}`);
    expect(Object.keys(scripts).filter((name) => !documented(name))).toEqual([]);
  });

  test('given the layer table of eslint.layers.mjs, then the layout table in Developing says the same', () => {
    const source = fs.readFileSync(path.join(repoRoot, 'eslint.layers.mjs'), 'utf8');
    const table = /const layers = \{([^}]*)\};/.exec(source)![1]!;
    const layers = [...table.matchAll(/^\s+'?([a-z-]+)'?: \[([^\]]*)\],$/gm)].map(
      (match) => [match[1]!, [...match[2]!.matchAll(/'([a-z-]+)'/g)].map((name) => name[1]!)] as const,
    );
    expect(layers.length).toBeGreaterThanOrEqual(15);
    const developing = fs.readFileSync(path.join(repoRoot, 'docs/developing.md'), 'utf8');
    // A row's last cell lists the layers it may import ("nothing" for none), then "; " and a note.
    const documented = layers.map(([layer]) => {
      const row = new RegExp(`^\\| \`src/${layer}/\` \\|.*\\| ([^|]*) \\|$`, 'm').exec(developing);
      const list = row?.[1]!.split(';')[0]!.trim();
      return [layer, list === undefined ? ['(no row)'] : list === 'nothing' ? [] : list.split(/\s*,\s*/)] as const;
    });
    expect(documented).toEqual(layers);
  });

  test('given the phase and step-state lists of the status, then the Status section names each of them', () => {
    const doc = fs.readFileSync(path.join(repoRoot, 'docs/policy-and-decisions.md'), 'utf8');
    const section = /^## Status\n([\s\S]*?)(?=^## )/m.exec(doc)![1]!;
    const named = new Set(codeSpans(section.replace(/\n/g, ' ')));
    expect(changePhases.filter((phase) => !named.has(phase))).toEqual([]);
    expect(stepStates.filter((state) => !named.has(state))).toEqual([]);
  });
});

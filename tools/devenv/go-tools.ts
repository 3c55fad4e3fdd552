import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { step } from './log';
import { toolsDir } from './paths';
import { goEnvironment, MissingToolError, which } from './tools';

export interface GoProgram {
  /** What it is, for messages: "Prometheus". */
  what: string;
  module: string;
  version: string;
  /** Commands to build, as package paths inside the module, each with the variable that may point to a binary instead. */
  commands: { path: string; envVar: string }[];
  /** Linker flags, e.g. to stamp the version the program reports. */
  ldflags?: string;
  /** Roughly how long a first build takes here, for the message printed before it. */
  buildTime: string;
}

/**
 * Programs built from their Go module with `go install module/cmd@version`, once, into
 * `.tools/bin/<name>-<version>/`; later calls find them there. A variable naming a binary
 * (e.g. PROMETHEUS_PATH) wins, so a machine with its own build can use it. PATH is not searched:
 * tests rely on the pinned version's flags and configuration format.
 * Returns the binary of each command by its base name.
 */
export function ensureGoProgram(program: GoProgram): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: GoProgram['commands'] = [];
  const binDir = path.join(toolsDir, 'bin', `${path.basename(program.module)}-${program.version}`);
  for (const command of program.commands) {
    const name = path.basename(command.path);
    const fromEnv = process.env[command.envVar];
    if (fromEnv) {
      if (!fs.existsSync(fromEnv))
        throw new MissingToolError(`${command.envVar} points to ${fromEnv}, which does not exist`);
      found[name] = fromEnv;
      continue;
    }
    const cached = path.join(binDir, name);
    if (fs.existsSync(cached)) found[name] = cached;
    else missing.push(command);
  }
  if (missing.length === 0) {
    step(
      `${program.what}: ${Object.values(found)
        .map((p) => path.relative(process.cwd(), p))
        .join(', ')}`,
    );
    return found;
  }
  const go = which('go');
  const variables = missing.map((c) => c.envVar).join(' or ');
  if (!go)
    throw new MissingToolError(
      `${program.what} is not built and there is no \`go\` to build it; install Go or set ${variables}`,
    );
  step(
    `${program.what}: building ${missing.map((c) => path.basename(c.path)).join(', ')} ${program.version} from the Go module proxy (first time only, ${program.buildTime})`,
  );
  // Built into a scratch folder and moved in whole, so an interrupted build never looks cached.
  const partial = `${binDir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const args = [
    'install',
    '-trimpath',
    ...(program.ldflags ? ['-ldflags', program.ldflags] : []),
    ...missing.map((c) => `${program.module}/${c.path}@${program.version}`),
  ];
  const result = spawnSync(go, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: toolsDir,
    env: { ...goEnvironment(), GOBIN: partial },
  });
  if (result.status !== 0)
    throw new MissingToolError(
      `${program.what} could not be built (\`go ${args.join(' ')}\` exited with ${result.status ?? result.signal}); set ${variables}`,
    );
  fs.mkdirSync(binDir, { recursive: true });
  for (const command of missing) {
    const name = path.basename(command.path);
    fs.renameSync(path.join(partial, name), path.join(binDir, name));
    found[name] = path.join(binDir, name);
  }
  fs.rmSync(partial, { recursive: true, force: true });
  return found;
}

export interface GoModuleBuild {
  what: string;
  module: string;
  version: string;
  command: { path: string; envVar: string };
  buildTime: string;
}

/**
 * A program built inside its downloaded module (`go mod download`, then `go build ./cmd/…` there),
 * for modules whose go.mod has replace directives: `go install module@version` refuses those,
 * and a wrapper module would ignore them, building something the project never released.
 */
export function ensureGoModuleBuild(program: GoModuleBuild): string {
  const name = path.basename(program.command.path);
  const fromEnv = process.env[program.command.envVar];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv))
      throw new MissingToolError(`${program.command.envVar} points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const binary = path.join(toolsDir, 'bin', `${path.basename(program.module)}-${program.version}`, name);
  if (fs.existsSync(binary)) {
    step(`${program.what}: ${path.relative(process.cwd(), binary)}`);
    return binary;
  }
  const go = which('go');
  if (!go)
    throw new MissingToolError(
      `${program.what} is not built and there is no \`go\` to build it; install Go or set ${program.command.envVar}`,
    );
  const env = goEnvironment();
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  step(`${program.what}: downloading ${program.module}@${program.version} from the Go module proxy`);
  const downloaded = spawnSync(go, ['mod', 'download', '-json', `${program.module}@${program.version}`], {
    cwd: toolsDir,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const moduleDir = downloaded.status === 0 ? (JSON.parse(downloaded.stdout) as { Dir?: string }).Dir : undefined;
  if (!moduleDir)
    throw new MissingToolError(
      `${program.module}@${program.version} could not be downloaded; set ${program.command.envVar}`,
    );
  step(`${program.what}: building ${name} ${program.version} (first time only, ${program.buildTime})`);
  const partial = `${binary}.partial`;
  const args = ['build', '-trimpath', '-o', partial, `./${program.command.path}`];
  const result = spawnSync(go, args, { cwd: moduleDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0)
    throw new MissingToolError(
      `${program.what} could not be built (\`go ${args.join(' ')}\` exited with ${result.status ?? result.signal}); set ${program.command.envVar}`,
    );
  fs.renameSync(partial, binary);
  return binary;
}

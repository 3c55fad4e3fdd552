import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { customSearchAttributes } from '../../src/workflows/search-attributes';
import { freePort } from './ports';
import { scratchDir } from './paths';
import { startService, type ServiceHandle } from './service';
import { ensureTemporalCli } from './tools';

export interface TemporalDevServer extends ServiceHandle {
  readonly address: string;
  readonly namespace: string;
  /** Web UI base URL, when the UI was started. */
  readonly uiUrl?: string;
}

export interface TemporalDevServerOptions {
  /** Start the Web UI on a free port (the demo does; tests do not need it). */
  ui?: boolean;
  /** The Web UI's port (with `ui`); default a free one. Known in advance, it can go in a codec server's CORS origins. */
  uiPort?: number;
  /** Codec server the Web UI decodes payloads through (`--ui-codec-endpoint`), e.g. `http://127.0.0.1:8888`. */
  uiCodecEndpoint?: string;
  /** Keep server state in this SQLite file so a restart resumes every workflow. */
  dbFilename?: string;
  /** Frontend port; default a free one. A restart on a `dbFilename` passes the same port so clients and workers reconnect. */
  port?: number;
  /** Where the server's output goes; default `.tmp/logs/temporal-<port>.log` (overwritten by a restart on the same port). */
  logFile?: string;
}

const cliType: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Another process may take a port between its choice and the server's bind: then a start is tried again on fresh ports. */
const START_ATTEMPTS = 3;

/** Runs `temporal server start-dev` on loopback with the project's search attributes registered. */
export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const cli = ensureTemporalCli();
  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  const namespace = 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
  ];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  let uiUrl: string | undefined;
  if (options.ui) {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
    uiUrl = `http://127.0.0.1:${uiPort}`;
  } else {
    args.push('--headless');
  }
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const key of customSearchAttributes) args.push('--search-attribute', `${key.name}=${cliType[key.type]}`);

  const handle = await startService({
    name: `Temporal dev server on ${address}`,
    command: cli,
    args,
    logFile: options.logFile ?? path.join(scratchDir, 'logs', `temporal-${port}.log`),
    ready: () => searchAttributesRegistered(address, namespace),
  });
  return { ...handle, address, namespace, uiUrl };
}

async function searchAttributesRegistered(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = customSearchAttributes.filter((key) => !(key.name in customAttributes));
    if (missing.length > 0)
      throw new Error(`search attributes not yet registered: ${missing.map((k) => k.name).join(', ')}`);
  } finally {
    await connection.close();
  }
}

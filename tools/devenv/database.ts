import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { step } from './log';
import { freePort } from './ports';
import { scratchDir } from './paths';
import { startService } from './service';
import { ensureFerretDb, which } from './tools';

export type DatabaseKind = 'external' | 'mongod' | 'ferretdb';

export interface DevDatabase {
  readonly uri: string;
  readonly kind: DatabaseKind;
  /** Stops a database this process started (no-op for MONGODB_URI) and removes its data unless it is kept. */
  stop(): Promise<void>;
}

export interface DevDatabaseOptions {
  /** Keep the data here, across runs (`stop` leaves it); default a temp dir that `stop` removes. */
  dataDir?: string;
  /** The loopback port; default a free one. */
  port?: number;
}

/**
 * A MongoDB-protocol database: `$MONGODB_URI` when set, else `mongod` from PATH, else FerretDB
 * (SQLite backend) built by provisioning. Started databases listen on a loopback port and keep
 * their data in `dataDir`, or in a temp dir that `stop` removes.
 */
export async function startDatabase(options: DevDatabaseOptions = {}): Promise<DevDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) {
    step('Database: using MONGODB_URI');
    return { uri: external, kind: 'external', stop: async () => {} };
  }
  const port = options.port ?? (await freePort());
  const uri = `mongodb://127.0.0.1:${port}/`;
  const kept = options.dataDir !== undefined;
  if (kept) fs.mkdirSync(options.dataDir!, { recursive: true });
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-db-'));
  const mongod = which('mongod');
  const logFile = path.join(scratchDir, 'logs', `database-${port}.log`);
  const ready = () => ping(uri);
  const service = mongod
    ? await startService({
        name: `mongod on 127.0.0.1:${port}`,
        command: mongod,
        args: ['--bind_ip', '127.0.0.1', '--port', String(port), '--dbpath', dataDir, '--quiet'],
        logFile,
        ready,
      })
    : await startService({
        name: `FerretDB (SQLite backend) on 127.0.0.1:${port}`,
        command: ensureFerretDb(),
        args: [
          '--handler=sqlite',
          `--sqlite-url=file:${dataDir}/`,
          `--state-dir=${dataDir}`,
          `--listen-addr=127.0.0.1:${port}`,
          '--debug-addr=-',
          '--telemetry=disable',
          '--log-level=ERROR',
        ],
        logFile,
        ready,
      });
  return {
    uri,
    kind: mongod ? 'mongod' : 'ferretdb',
    stop: async () => {
      await service.stop();
      if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function ping(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

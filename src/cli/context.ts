import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { ChangeClient } from '../client/change-client';
import { operatorGuards } from '../client/operator-guards';
import { loadConfig, workflowUiUrl, type Config } from '../config/index';
import { InputError } from './exit-codes';
import { temporalConnectionOptions } from '../temporal/connection';
import { dataConverterFromEnv } from '../temporal/data-converter';
import { clientInterceptors, tracingFromEnv } from '../telemetry/tracing';

export interface CliContext {
  config: Config;
  changes: ChangeClient;
  uiUrl(workflowId: string): string;
}

/**
 * Connects with the same environment as the worker (TEMPORAL_*, and MONGODB_URI when set, for
 * stored reports), runs the command, and closes everything, whatever happens.
 */
export async function withContext<T>(run: (context: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // A command is one trace when tracing is on: `start` is then the parent of the change's spans.
  const tracing = tracingFromEnv('lead-rollback-cli');
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const mongo = config.MONGODB_URI ? new MongoClient(config.MONGODB_URI) : undefined;
  try {
    const client = new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFromEnv(),
      interceptors: clientInterceptors(tracing),
    });
    const db = mongo?.db(config.MONGODB_DB);
    const changes = new ChangeClient(client, config.TEMPORAL_TASK_QUEUE, { db, guard: operatorGuards(config, { db }) });
    return await run({ config, changes, uiUrl: (workflowId) => workflowUiUrl(config, workflowId) });
  } finally {
    await connection.close();
    await mongo?.close();
    // Exports the command's spans before the process exits.
    await tracing?.shutdown();
  }
}

/** For commands that only need the database (MONGODB_URI, MONGODB_DB); closes it whatever happens. */
export async function withDatabase<T>(
  run: (context: { config: Config; db: Db; mongo: MongoClient }) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  if (!config.MONGODB_URI) throw new InputError('MONGODB_URI is required for this command');
  const mongo = await MongoClient.connect(config.MONGODB_URI);
  try {
    return await run({ config, db: mongo.db(config.MONGODB_DB), mongo });
  } finally {
    await mongo.close();
  }
}

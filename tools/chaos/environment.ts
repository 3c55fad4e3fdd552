import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { startDatabase, type DevDatabase } from '../devenv/database';
import { scratchDir } from '../devenv/paths';
import { startCrmPeer, type CrmPeer } from '../peers/crm-peer';
import { startPrometheusPeer, type PrometheusPeer } from '../peers/prometheus-peer';
import { partnerMap, partnersEnvValue, peerPartner } from '../peers/partner';
import { startWebhookPeer, type WebhookPeer } from '../peers/webhook-peer';
import { createDataConverter } from '../../src/temporal/data-converter';
import { loadEncryptionSettings } from '../../src/temporal/encryption-config';
import { generateKey } from '../../src/temporal/encryption-codec';
import { REFUSED_WEBHOOK_PATH, WEBHOOK_PARTNER, WEBHOOK_ROUTES_PATH } from './fixtures';
import type { CampaignOptions } from './options';
import type { Random } from './random';
import { RestartableTemporal } from './temporal-service';

/** Everything a campaign runs against, all on loopback, all stopped by `close`. */
export interface CampaignEnvironment {
  runId: string;
  runDir: string;
  taskQueue: string;
  temporal: RestartableTemporal;
  client: Client;
  db: Db;
  crm: CrmPeer;
  webhook: WebhookPeer;
  prometheus: PrometheusPeer;
  /** The worker process's environment, exactly what a deployment would set. */
  workerEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * Starts the campaign's own Temporal dev server (state in a file in the run directory, so it can
 * be restarted), a database (or a fresh database on `mongoUri`), a Prometheus peer for metric
 * triggers, and the CRM and webhook peers with random
 * faults plus scripted ones: requests under /partner/refuse/ are refused with 400 (the
 * deterministic failures), and the first compensating DELETEs of each peer answer late (they widen
 * the window in which a kill lands during compensation).
 */
export async function openEnvironment(
  options: CampaignOptions,
  runId: string,
  random: Random,
): Promise<CampaignEnvironment> {
  const runDir = path.join(scratchDir, `chaos-${runId}`);
  fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
    if (!options.keep) fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    let database: DevDatabase | undefined;
    const uri = options.mongoUri ?? (database = await startDatabase()).uri;
    if (database) closers.push(() => database.stop());
    const mongo = await MongoClient.connect(uri);
    const dbName = `chaos_${runId}`;
    const db = mongo.db(dbName);
    closers.push(() => mongo.close());
    if (options.mongoUri) closers.push(() => db.dropDatabase());

    const temporal = new RestartableTemporal(runDir);
    await temporal.start();
    closers.push(() => temporal.stop());

    const faults = { ...options.faults };
    const crm = await startCrmPeer({ faults: { ...faults, seed: random.int(1, 2 ** 30) } });
    closers.push(() => crm.stop());
    const secret = randomBytes(24).toString('hex');
    const webhook = await startWebhookPeer({ secret, faults: { ...faults, seed: random.int(1, 2 ** 30) } });
    closers.push(() => webhook.stop());
    const lateCompensations = Math.max(3, options.compensationKills * 3);
    webhook.faults.enqueue(
      { fault: 'status', status: 400, path: REFUSED_WEBHOOK_PATH, count: 10_000 },
      { fault: 'slow', method: 'DELETE', path: WEBHOOK_ROUTES_PATH, delayMs: 2500, count: lateCompensations },
    );
    // Undoing a created CRM property is a DELETE too (applies never delete in the campaign).
    crm.faults.enqueue({
      fault: 'slow',
      method: 'DELETE',
      path: '/crm/v3/properties/',
      delayMs: 2500,
      count: lateCompensations,
    });

    const prometheus = await startPrometheusPeer();
    closers.push(() => prometheus.stop());

    const keyId = `chaos-${runId}`;
    const encryption = {
      LEAD_ROLLBACK_ENCRYPTION_KEYS: `${keyId}:${generateKey()}`,
      LEAD_ROLLBACK_ENCRYPTION_KEY_ID: keyId,
      LEAD_ROLLBACK_REQUIRE_ENCRYPTION: 'true',
    };
    const taskQueue = `chaos-${runId}`;
    const connection = await Connection.connect({ address: temporal.address });
    closers.push(() => connection.close());
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter: createDataConverter(loadEncryptionSettings(encryption)),
    });

    const workerEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      MONGODB_URI: uri,
      MONGODB_DB: dbName,
      CRM_BASE_URL: crm.url,
      CRM_TOKEN: crm.token,
      CRM_TIMEOUT_MS: '5000',
      WEBHOOK_PARTNERS: partnersEnvValue(partnerMap(peerPartner(WEBHOOK_PARTNER, webhook.url, secret))),
      PROMETHEUS_URL: prometheus.url,
      ...encryption,
    };
    return { runId, runDir, taskQueue, temporal, client, db, crm, webhook, prometheus, workerEnv, close };
  } catch (err) {
    await close();
    throw err;
  }
}

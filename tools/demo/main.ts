import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { MongoClient } from 'mongodb';
import { ChangeClient } from '../../src/client/change-client';
import { partnerGuard } from '../../src/client/partner-guard';
import { startCodecServer } from '../../src/codec-server/server';
import { loadConfig, workflowUiUrl, type Config } from '../../src/config/index';
import { startDatabase } from '../devenv/database';
import { step } from '../devenv/log';
import { freePort } from '../devenv/ports';
import { startTemporalDevServer, type TemporalDevServer } from '../devenv/temporal-server';
import { startCrmPeer } from '../peers/crm-peer';
import { partnerMap, peerPartner } from '../peers/partner';
import { startWebhookPeer } from '../peers/webhook-peer';
import { renderReportText } from '../../src/report/text';
import { temporalConnectionOptions } from '../../src/temporal/connection';
import { createDataConverter, describeEncryption } from '../../src/temporal/data-converter';
import { EncryptionCodec } from '../../src/temporal/encryption-codec';
import { loadEncryptionSettings, type EncryptionSettings } from '../../src/temporal/encryption-config';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { createWorker } from '../../src/worker';
import { demoChange, seedDemoFlows } from './scenario';

/**
 * The demo: starts the embedded defaults (a Temporal dev server with UI and a MongoDB-protocol
 * database) unless TEMPORAL_ADDRESS / MONGODB_URI point elsewhere, runs a worker, runs a change
 * whose last step fails, and prints the rollback timeline. Payloads are encrypted (with the
 * configured keys, else a key made up for this run) and a codec server on loopback lets the UI
 * show them.
 */
async function main(): Promise<number> {
  const { keep } = new Command('demo')
    .option('--keep', 'keep the Temporal server, UI and worker running until Ctrl-C')
    .parse()
    .opts<{ keep?: boolean }>();
  // The timeline below tells the story; the worker's own warnings about the planned failure would not.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cleanup: (() => Promise<void>)[] = [];
  try {
    let config: Config = loadConfig();
    const encryption = demoEncryption(loadEncryptionSettings());
    step(describeEncryption(encryption));
    const dataConverter = createDataConverter(encryption);
    const ownServer = !process.env.TEMPORAL_ADDRESS;
    const uiPort = ownServer ? await freePort() : undefined;
    const uiOrigins = uiPort
      ? [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`]
      : [new URL(config.TEMPORAL_UI_URL).origin];
    // Loopback only and no token: the dev server's UI has no login to forward one (see docs/security.md, "Codec server").
    const codecServer = await startCodecServer({
      codec: new EncryptionCodec(encryption.keyring),
      corsOrigins: uiOrigins,
      namespaces: [config.TEMPORAL_NAMESPACE],
      allowUnauthenticated: true,
    });
    cleanup.unshift(() => codecServer.stop());
    step(`codec server on ${codecServer.url} (CORS: ${uiOrigins.join(', ')})`);
    if (ownServer) {
      const server: TemporalDevServer = await startTemporalDevServer({
        ui: true,
        uiPort,
        uiCodecEndpoint: codecServer.url,
      });
      cleanup.unshift(() => server.stop());
      config = { ...config, TEMPORAL_ADDRESS: server.address, TEMPORAL_UI_URL: server.uiUrl! };
    }
    const database = await startDatabase();
    cleanup.unshift(() => database.stop());
    const mongo = await MongoClient.connect(database.uri);
    cleanup.unshift(() => mongo.close());
    const db = mongo.db(process.env.MONGODB_DB ?? 'lead_rollback_demo');

    // The partners: a HubSpot-compatible CRM and a webhook receiver that checks signatures, on loopback.
    const secret = randomBytes(24).toString('hex');
    const crm = await startCrmPeer();
    cleanup.unshift(() => crm.stop());
    const partner = await startWebhookPeer({ secret });
    cleanup.unshift(() => partner.stop());
    const contact = crm.state.createRecord('contacts', { firstname: 'Grace', lifecyclestage: 'subscriber' });
    step(`CRM peer on ${crm.url}, partner webhook receiver on ${partner.url}`);
    const partners = partnerMap(peerPartner('demo-partner', partner.url, secret));

    const nativeConnection = await NativeConnection.connect(temporalConnectionOptions(config));
    cleanup.unshift(() => nativeConnection.close());
    step('bundling workflows and starting the worker');
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db,
      crm: { baseUrl: crm.url, token: crm.token },
      partners,
      dataConverter,
    });
    const running = worker.run();
    cleanup.unshift(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const connection = await Connection.connect(temporalConnectionOptions(config));
    cleanup.unshift(() => connection.close());
    const changes = new ChangeClient(
      new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter }),
      config.TEMPORAL_TASK_QUEUE,
      { guard: partnerGuard(partners) },
    );

    const suffix = randomUUID().slice(0, 6);
    const flows = await seedDemoFlows(db, suffix);
    const changeId = `demo-${suffix}`;
    step(`starting change ${changeId} over flows ${flows.join(', ')}`);
    await changes.start(
      demoChange(flows, { crmRecordId: contact.id, webhookUrl: partner.url, partnerName: 'demo-partner' }),
      { changeId },
    );
    const report = await changes.result(changeId);

    console.log(`\n${renderReportText(report)}\n`);
    const values = crm.state.record('contacts', contact.id, ['lifecyclestage', 'hs_lead_status'])!.properties;
    console.log(
      `CRM contact ${contact.id}: lifecyclestage=${values.lifecyclestage}, hs_lead_status=${values.hs_lead_status ?? '(unset)'}`,
    );
    for (const request of partner.requests()) {
      console.log(
        `Partner received ${request.method} ${request.path} (Idempotency-Key ${request.idempotencyKey}, signature ${request.signature}) → ${request.status}`,
      );
    }
    console.log(`Temporal UI: ${workflowUiUrl(config, changeWorkflowId(changeId))}`);
    console.log(`Report stored in MongoDB: ${db.databaseName}.change_reports, _id "${changeId}"`);
    console.log(
      `Payloads in Temporal are encrypted (key "${encryption.keyring.activeKeyId}"); the UI decodes them through the codec server ${codecServer.url}.\n` +
        `CLI: temporal workflow show --address ${config.TEMPORAL_ADDRESS} -w ${changeWorkflowId(changeId)} --codec-endpoint ${codecServer.url}`,
    );
    if (keep) {
      console.log(
        `\nServer, UI and worker keep running (Temporal at ${config.TEMPORAL_ADDRESS}). Press Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    }
    return report.phase === 'rolled-back' ? 0 : 1;
  } finally {
    for (const stop of cleanup) await stop().catch((err: unknown) => step(`cleanup: ${(err as Error).message}`));
  }
}

/** The configured keys, or a key made up for this run so the demo always shows encryption. */
function demoEncryption(
  settings: EncryptionSettings,
): EncryptionSettings & { keyring: NonNullable<EncryptionSettings['keyring']> } {
  if (settings.keyring) return { ...settings, keyring: settings.keyring };
  return {
    required: settings.required,
    keyring: { activeKeyId: 'demo-ephemeral', keys: new Map([['demo-ephemeral', randomBytes(32)]]) },
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

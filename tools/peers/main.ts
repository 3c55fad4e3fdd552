import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { parseOrThrow } from '../../src/domain/validation';
import { startCrmPeer } from './crm-peer';
import { faultConfigSchema } from './faults';
import { partnerMap, partnersEnvValue, peerPartner } from './partner';
import { startWebhookPeer } from './webhook-peer';

/**
 * Starts both peers for local experiments and prints the environment a worker needs to use them.
 * Runs until Ctrl-C. Example: `npm run peers -- --faults '{"error":0.2,"rateLimit":0.1,"slow":0.05}'`.
 */
async function main(): Promise<void> {
  const opts = new Command('peers')
    .option('--crm-port <port>', 'CRM peer port (default: a free one)', Number)
    .option('--webhook-port <port>', 'webhook receiver port (default: a free one)', Number)
    .option('--token <token>', 'bearer token the CRM peer accepts (default: random)')
    .option('--secret <secret>', 'HMAC secret the webhook receiver checks (default: random)')
    .option(
      '--faults <json>',
      'fault configuration for both peers, e.g. {"error":0.2,"rateLimit":0.1,"slow":0.05,"seed":7}',
    )
    .parse()
    .opts<{ crmPort?: number; webhookPort?: number; token?: string; secret?: string; faults?: string }>();
  const faults = opts.faults ? parseOrThrow(faultConfigSchema, JSON.parse(opts.faults), '--faults') : undefined;
  const secret = opts.secret ?? randomBytes(24).toString('hex');
  const crm = await startCrmPeer({ port: opts.crmPort, token: opts.token, faults });
  const webhook = await startWebhookPeer({ port: opts.webhookPort, secret, faults });
  console.log(
    `CRM peer:         ${crm.url}   (log: ${crm.url}/__peer/requests, faults: POST ${crm.url}/__peer/faults)`,
  );
  console.log(`webhook receiver: ${webhook.url}   (log: ${webhook.url}/__peer/requests)`);
  console.log('\nFor a worker (npm run worker) in another shell:\n');
  console.log(`export CRM_BASE_URL=${crm.url}`);
  console.log(`export CRM_TOKEN=${crm.token}`);
  // Single quotes: the JSON has none, and the shell must not touch its double quotes.
  console.log(`export WEBHOOK_PARTNERS='${partnersEnvValue(partnerMap(peerPartner('peer', webhook.url, secret)))}'`);
  console.log('\nPress Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all([crm.stop(), webhook.stop()]);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

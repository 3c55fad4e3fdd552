import { ValidationError } from '../domain/validation';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { loadEncryptionSettings } from '../temporal/encryption-config';
import { loadCodecServerConfig } from './config';
import { startCodecServer } from './server';

/**
 * `npm run codec-server`: serves Temporal's codec-server protocol with the workers' keys, so the
 * Temporal Web UI and `temporal` CLI can show encrypted payloads to holders of a token.
 */
async function main(): Promise<void> {
  const encryption = loadEncryptionSettings();
  if (!encryption.keyring) {
    throw new ValidationError('codec server configuration (environment variables)', [
      {
        path: 'LEAD_ROLLBACK_ENCRYPTION_KEYS',
        message: 'is required: the codec server decodes with the same keys as the workers',
      },
    ]);
  }
  const config = loadCodecServerConfig();
  const server = await startCodecServer({
    codec: new EncryptionCodec(encryption.keyring),
    host: config.host,
    port: config.port,
    corsOrigins: config.corsOrigins,
    namespaces: config.namespaces,
    tokens: config.tokens,
    allowUnauthenticated: config.allowUnauthenticated,
    log: (line) => console.error(line),
  });
  console.error(
    `codec server on ${server.url} — namespaces ${config.namespaces === '*' ? 'any' : config.namespaces.join(', ')}; ` +
      `CORS origins ${config.corsOrigins.join(', ')}; ` +
      `${config.tokens.length > 0 ? `${config.tokens.length} bearer token(s)` : 'NO AUTH (loopback only)'}; ` +
      `keys ${[...encryption.keyring.keys.keys()].join(', ')}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

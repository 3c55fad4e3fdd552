import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { loadEncryptionSettings, type EncryptionSettings } from './encryption-config';

/** Path of the failure converter that moves failure messages into (encrypted) payloads. */
export const encryptingFailureConverterPath = require.resolve('./failure-converter');

/**
 * The data converter for clients and workers, from the encryption settings.
 *
 * - Keys configured: `payloadCodecs: [EncryptionCodec]` and a failure converter that encodes
 *   failure messages and stack traces, so workflow and activity inputs, results, query results,
 *   summaries/details and failure messages reach Temporal only as AES-256-GCM ciphertext.
 * - No keys: the default converter (plain JSON in history). The settings loader refuses that when
 *   encryption is required (`LEAD_ROLLBACK_REQUIRE_ENCRYPTION=true`, or unset with
 *   `NODE_ENV=production`).
 *
 * Codecs run outside the workflow sandbox (the worker encodes and decodes activations in its main
 * thread), so the workflow bundle never contains the codec or a key; only the failure converter,
 * which has no secrets, is bundled (pass `failureConverterPath` to `bundleWorkflowCode`).
 */
export function createDataConverter(settings: EncryptionSettings): DataConverter {
  if (!settings.keyring) {
    if (settings.required) throw new Error('payload encryption is required but no keys are configured');
    return {};
  }
  return {
    payloadCodecs: [new EncryptionCodec(settings.keyring)],
    failureConverterPath: encryptingFailureConverterPath,
  };
}

/** `createDataConverter` from the environment (throws a ValidationError naming a bad variable). */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return createDataConverter(loadEncryptionSettings(env));
}

/** One line for logs: whether payloads are encrypted and with which key id (never key material). */
export function describeEncryption(settings: EncryptionSettings): string {
  if (!settings.keyring)
    return 'payload encryption: OFF (no LEAD_ROLLBACK_ENCRYPTION_KEYS) — payloads are stored as plain JSON in Temporal';
  const ids = [...settings.keyring.keys.keys()];
  return `payload encryption: on (AES-256-GCM, active key "${settings.keyring.activeKeyId}", ${ids.length} key(s): ${ids.join(', ')})`;
}

import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config/index';

/**
 * Connection options shared by the client and the worker: plain for a local server, TLS with an
 * API key or a client certificate for Temporal Cloud or a secured cluster.
 */
export interface TemporalConnectionSettings {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnectionOptions(config: Config): TemporalConnectionSettings {
  const mtls = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH;
  const tls = mtls
    ? {
        clientCertPair: {
          crt: fs.readFileSync(config.TEMPORAL_TLS_CERT_PATH!),
          key: fs.readFileSync(config.TEMPORAL_TLS_KEY_PATH!),
        },
      }
    : config.TEMPORAL_TLS || config.TEMPORAL_API_KEY
      ? true
      : undefined;
  return {
    address: config.TEMPORAL_ADDRESS,
    tls,
    apiKey: config.TEMPORAL_API_KEY,
    metadata: config.TEMPORAL_API_KEY ? { 'temporal-namespace': config.TEMPORAL_NAMESPACE } : undefined,
  };
}

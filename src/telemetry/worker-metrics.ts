import { collectDefaultMetrics } from 'prom-client';
import type { TelemetrySink } from '../domain/telemetry';
import { ProductMetrics } from './product-metrics';
import { startScrapeServer } from './scrape-server';
import { installSdkMetrics } from './sdk-runtime';

export interface WorkerMetrics {
  telemetry: TelemetrySink;
  /** The worker's scrape endpoint, `http://host:port` (its path is /metrics). */
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's metrics: the SDK's runtime metrics, the product metrics and the process's own
 * (memory, event loop, GC), all on one `GET /metrics`. Call before any NativeConnection exists.
 */
export async function startWorkerMetrics(
  listen: { host: string; port: number },
  log: (message: string, err: unknown) => void,
): Promise<WorkerMetrics> {
  const sdk = await installSdkMetrics();
  const metrics = new ProductMetrics('worker');
  collectDefaultMetrics({ register: metrics.registry });
  const server = await startScrapeServer({
    ...listen,
    registry: metrics.registry,
    log,
    // Without the SDK's part the product metrics are still worth serving; the log says why it is missing.
    more: () =>
      sdk.scrape().catch((err: unknown) => {
        log('the SDK metrics exporter did not answer', err);
        return '';
      }),
  });
  return { telemetry: metrics, url: server.url, close: () => server.close() };
}

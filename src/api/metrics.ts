import { collectDefaultMetrics } from 'prom-client';
import type { TelemetrySink } from '../domain/telemetry';
import { ProductMetrics } from '../telemetry/product-metrics';
import { startScrapeServer, type ScrapeServer } from '../telemetry/scrape-server';
import { installWaitingGauge, type CountWaiting } from '../telemetry/waiting-gauge';

type Log = (message: string, err: unknown) => void;

/**
 * The API's metrics: requests by route (`telemetry`, for the server's hook), the changes waiting
 * on people (counted in Temporal visibility at each scrape) and the process's own, served by
 * `listen` on a listener apart from the API's.
 */
export function apiMetrics(count: CountWaiting): {
  telemetry: TelemetrySink;
  listen(address: { host: string; port: number }, log: Log): Promise<ScrapeServer>;
} {
  const metrics = new ProductMetrics('api');
  collectDefaultMetrics({ register: metrics.registry });
  return {
    telemetry: metrics,
    listen(address, log) {
      installWaitingGauge(metrics, count, log);
      return startScrapeServer({ ...address, registry: metrics.registry, log });
    },
  };
}

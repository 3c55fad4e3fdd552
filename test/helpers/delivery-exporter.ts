import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DeliveryExporter {
  /** `host:port`, for a scrape config. */
  readonly target: string;
  /** The share of deliveries counted as errors from the next scrape on. */
  setErrorRatio(ratio: number): void;
  /** Deliveries added per scrape (0: no traffic). */
  setTraffic(perScrape: number): void;
  stop(): Promise<void>;
}

/**
 * A lead platform's delivery counters as a Prometheus exporter on loopback:
 * `lead_deliveries_total` and `lead_delivery_errors_total` for one flow, advanced at every scrape
 * by the traffic and error ratio the test sets, so a real Prometheus computes real rates from them.
 */
export async function startDeliveryExporter(flow: string): Promise<DeliveryExporter> {
  let ratio = 0;
  let perScrape = 100;
  let deliveries = 0;
  let errors = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    deliveries += perScrape;
    errors += Math.round(perScrape * ratio);
    const labels = `{flow="${flow}"}`;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# HELP lead_deliveries_total Leads delivered to buyers.',
        '# TYPE lead_deliveries_total counter',
        `lead_deliveries_total${labels} ${deliveries}`,
        '# HELP lead_delivery_errors_total Lead deliveries that failed.',
        '# TYPE lead_delivery_errors_total counter',
        `lead_delivery_errors_total${labels} ${errors}`,
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    setErrorRatio: (value) => void (ratio = value),
    setTraffic: (value) => void (perScrape = value),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

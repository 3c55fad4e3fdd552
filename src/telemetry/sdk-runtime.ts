import net from 'node:net';
import { Runtime } from '@temporalio/worker';
import { request } from 'undici';

/** What the worker's scrape endpoint appends: the SDK's own exposition text, fetched from its exporter. */
export interface SdkMetrics {
  /** Where the SDK's exporter listens (loopback, a port picked at start). */
  url: string;
  scrape(): Promise<string>;
}

/**
 * Installs the Temporal runtime with its Prometheus exporter (task latencies, slots, sticky cache,
 * poll failures), bound to a free loopback port the worker's own /metrics reads through, so one
 * scrape target serves both. Once per process, before any NativeConnection: the runtime cannot be
 * installed again once something used it. Names follow Prometheus conventions (`temporal_` prefix,
 * `_total` counters, durations in seconds with the unit in the name).
 */
export async function installSdkMetrics(): Promise<SdkMetrics> {
  const port = await freeLoopbackPort();
  const bindAddress = `127.0.0.1:${port}`;
  Runtime.install({
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
      },
    },
  });
  const url = `http://${bindAddress}/metrics`;
  return {
    url,
    async scrape() {
      const response = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`the SDK's exporter answered ${response.statusCode}`);
      return text;
    },
  };
}

/** A port nothing listens on now; the exporter binds it right after (the gap is a few milliseconds). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

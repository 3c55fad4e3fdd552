import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ensureGoProgram } from './go-tools';
import { freePort } from './ports';
import { scratchDir } from './paths';
import { startService } from './service';

/** Prometheus 3's Go module is versioned v0.<minor>.<patch>: v0.316.0 is Prometheus 3.16.0. */
export const PROMETHEUS_MODULE_VERSION = 'v0.316.0';

/**
 * Prometheus and promtool, built from the Go module proxy into the tools folder (about five
 * minutes the first time; PROMETHEUS_PATH and PROMTOOL_PATH point to binaries instead). The
 * web UI's assets are not part of the module, so the build serves the HTTP API without the UI —
 * all tests and triggers need.
 */
export function ensurePrometheus(): { prometheus: string; promtool: string } {
  const built = ensureGoProgram({
    what: 'Prometheus',
    module: 'github.com/prometheus/prometheus',
    version: PROMETHEUS_MODULE_VERSION,
    commands: [
      { path: 'cmd/prometheus', envVar: 'PROMETHEUS_PATH' },
      { path: 'cmd/promtool', envVar: 'PROMTOOL_PATH' },
    ],
    ldflags: `-X github.com/prometheus/common/version.Version=${PROMETHEUS_MODULE_VERSION}`,
    buildTime: 'about five minutes',
  });
  return { prometheus: built.prometheus!, promtool: built.promtool! };
}

export interface ScrapeJob {
  job: string;
  /** `host:port` of each target. */
  targets: string[];
  intervalSeconds?: number;
  metricsPath?: string;
}

export interface PrometheusOptions {
  scrape: ScrapeJob[];
  /** Rule files (recording and alerting rules) Prometheus evaluates. */
  ruleFiles?: string[];
  evaluationIntervalSeconds?: number;
}

export interface DevPrometheus {
  /** Base URL of its HTTP API, e.g. for PROMETHEUS_URL. */
  readonly url: string;
  /** Instant query at now (or `at`, in seconds); the result vector, empty when nothing matches. */
  query(promql: string, at?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/**
 * A real Prometheus on a free loopback port, scraping the given jobs, with its data in a temp dir.
 * Tests use it to scrape the worker's metrics and to feed `prometheus` triggers real PromQL.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<DevPrometheus> {
  const { prometheus } = ensurePrometheus();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    configFile,
    stringify({
      global: {
        scrape_interval: `${options.scrape[0]?.intervalSeconds ?? 1}s`,
        evaluation_interval: `${options.evaluationIntervalSeconds ?? 1}s`,
      },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: options.scrape.map((job) => ({
        job_name: job.job,
        scrape_interval: `${job.intervalSeconds ?? 1}s`,
        metrics_path: job.metricsPath ?? '/metrics',
        static_configs: [{ targets: job.targets }],
      })),
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const service = await startService({
    name: `Prometheus on 127.0.0.1:${port}`,
    command: prometheus,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    logFile: path.join(scratchDir, 'logs', `prometheus-${port}.log`),
    ready: async () => {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (!response.ok) throw new Error(`/-/ready answered ${response.status}`);
    },
  });
  return {
    url,
    async query(promql, at) {
      const target = new URL('/api/v1/query', url);
      target.searchParams.set('query', promql);
      if (at !== undefined) target.searchParams.set('time', String(at));
      const response = await fetch(target, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`Prometheus refused ${promql}: ${body.error ?? response.status}`);
      return body.data?.result ?? [];
    },
    async stop() {
      await service.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

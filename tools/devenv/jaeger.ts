import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ensureGoModuleBuild } from './go-tools';
import { freePort } from './ports';
import { scratchDir } from './paths';
import { startService } from './service';

export const JAEGER_VERSION = 'v1.75.0';

/**
 * Jaeger (the v2 `cmd/jaeger` all-in-one: an OpenTelemetry collector with Jaeger's storage and
 * query service), built from the Go module proxy into the tools folder (several minutes the first
 * time; JAEGER_PATH points to a binary instead). Its go.mod carries a replace directive, which
 * `go install module@version` refuses, so it is built inside the downloaded module, where the
 * replace applies exactly as in Jaeger's own release builds. The UI's assets are not in the
 * module; the query HTTP API is.
 */
export function ensureJaeger(): string {
  return ensureGoModuleBuild({
    what: 'Jaeger',
    module: 'github.com/jaegertracing/jaeger',
    version: JAEGER_VERSION,
    command: { path: 'cmd/jaeger', envVar: 'JAEGER_PATH' },
    buildTime: 'about five minutes',
  });
}

export interface DevJaeger {
  /** OTLP over HTTP, for OTEL_EXPORTER_OTLP_ENDPOINT (spans go to `${otlpHttpUrl}/v1/traces`). */
  readonly otlpHttpUrl: string;
  /** OTLP over gRPC, `127.0.0.1:port`. */
  readonly otlpGrpcAddress: string;
  /** Jaeger's query HTTP API: `${queryUrl}/api/traces?service=…`, `/api/traces/{traceId}`. */
  readonly queryUrl: string;
  stop(): Promise<void>;
}

/**
 * A real Jaeger on free loopback ports, keeping traces in memory: OTLP receivers in, the query
 * API out, nothing else listening (no self-telemetry port, no sampling or zipkin endpoints).
 */
export async function startJaeger(): Promise<DevJaeger> {
  const binary = ensureJaeger();
  const [otlpHttp, otlpGrpc, queryHttp, queryGrpc, health] = await distinctFreePorts(5);
  const host = '127.0.0.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-rollback-jaeger-'));
  const configFile = path.join(dir, 'jaeger.yaml');
  fs.writeFileSync(
    configFile,
    stringify({
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
        pipelines: {
          traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
        },
        telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: `${host}:${health}` } },
        jaeger_query: {
          storage: { traces: 'memstore' },
          http: { endpoint: `${host}:${queryHttp}` },
          grpc: { endpoint: `${host}:${queryGrpc}` },
        },
        jaeger_storage: { backends: { memstore: { memory: { max_traces: 10_000 } } } },
      },
      receivers: {
        otlp: {
          protocols: { grpc: { endpoint: `${host}:${otlpGrpc}` }, http: { endpoint: `${host}:${otlpHttp}` } },
        },
      },
      // A short batch timeout: a test looks for its trace within seconds of the spans ending.
      processors: { batch: { timeout: '200ms' } },
      exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
    }),
  );
  const queryUrl = `http://${host}:${queryHttp}`;
  const service = await startService({
    name: `Jaeger on ${host}:${queryHttp} (OTLP http ${otlpHttp}, grpc ${otlpGrpc})`,
    command: binary,
    args: ['--config', configFile],
    logFile: path.join(scratchDir, 'logs', `jaeger-${queryHttp}.log`),
    ready: async () => {
      const response = await fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(1000) });
      if (!response.ok) throw new Error(`/api/services answered ${response.status}`);
    },
  });
  return {
    otlpHttpUrl: `http://${host}:${otlpHttp}`,
    otlpGrpcAddress: `${host}:${otlpGrpc}`,
    queryUrl,
    async stop() {
      await service.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

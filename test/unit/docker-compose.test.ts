import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { apiConfigSchema, loadApiConfig } from '../../src/config/api';
import { configSchema, loadConfig } from '../../src/config/index';
import { encryptionEnvShape } from '../../src/temporal/encryption-config';
import { tracingEnvShape, tracingSettingsFromEnv } from '../../src/telemetry/config';
import { customSearchAttributes } from '../../src/workflows/search-attributes';

interface ComposeService {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  command?: string[];
  depends_on?: string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const root = path.resolve(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

describe('docker-compose.yml (no Docker engine here, so its wiring is checked as data)', () => {
  test('given the compose file, then it runs Temporal, its UI, MongoDB and the worker built from the Dockerfile', () => {
    expect(services.temporal?.image).toMatch(/^temporalio\//);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    expect(services.mongodb?.image).toMatch(/^mongo:/);
    expect(services.worker?.build).toBe('.');
    expect(fs.existsSync(path.join(root, 'Dockerfile'))).toBe(true);
  });

  test('given the worker service, then every env name it sets is one the code reads', () => {
    const known = [
      ...Object.keys(configSchema.shape),
      ...Object.keys(encryptionEnvShape),
      ...Object.keys(tracingEnvShape),
    ];
    for (const name of Object.keys(services.worker?.environment ?? {})) expect(known).toContain(name);
  });

  test('given the worker service, then it reaches Temporal and MongoDB at their service names and ports', () => {
    const env = services.worker!.environment!;
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services.temporal!.ports).toContain('127.0.0.1:7233:7233');
    expect(new URL(env.MONGODB_URI!.replace(/\$\{[^}]*\}/g, 'x')).host).toBe('mongodb:27017');
    expect(services.mongodb!.ports).toContain('127.0.0.1:27017:27017');
    const uiPort = new URL(env.TEMPORAL_UI_URL!).port;
    expect(services['temporal-ui']!.ports).toContain(`127.0.0.1:${uiPort}:8080`);
  });

  test('given Temporal, its UI and MongoDB (operator access), then each is published on loopback only; only the authenticated API listens on all interfaces', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name === 'api') continue;
        expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:\\d+:\\d+$`));
      }
    }
  });

  test("given MongoDB, then it runs with authentication and the worker and API connect with the caller's password, never a literal one", () => {
    const mongo = services.mongodb!.environment!;
    expect(mongo.MONGO_INITDB_ROOT_USERNAME).toBeDefined();
    expect(mongo.MONGO_INITDB_ROOT_PASSWORD).toMatch(/^\$\{MONGODB_PASSWORD:\?/);
    for (const name of ['worker', 'api']) {
      const uri = services[name]!.environment!.MONGODB_URI!;
      expect(uri).toMatch(
        /^mongodb:\/\/\$\{MONGODB_USER:-[a-z_]+\}:\$\{MONGODB_PASSWORD:\?[^}]*\}@mongodb:27017\/\?authSource=admin$/,
      );
    }
  });

  test('given the worker image runs with NODE_ENV=production, then compose hands it the encryption keys from the caller, never a literal key', () => {
    expect(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/ENV NODE_ENV=production/);
    const env = services.worker!.environment!;
    expect(env.LEAD_ROLLBACK_ENCRYPTION_KEYS).toMatch(/^\$\{LEAD_ROLLBACK_ENCRYPTION_KEYS:\?/);
    expect(env.LEAD_ROLLBACK_ENCRYPTION_KEY_ID).toMatch(/^\$\{LEAD_ROLLBACK_ENCRYPTION_KEY_ID:\?/);
  });

  test('given the api service, then it is the same image with the API command, every env name is one the API reads, and its port is published', () => {
    const api = services.api!;
    expect(api.build).toBe('.');
    expect(api.command).toEqual(['node', 'lib/api/main.js']);
    expect(fs.existsSync(path.join(root, 'src/api/main.ts'))).toBe(true);
    const known = [
      ...Object.keys(apiConfigSchema.shape),
      ...Object.keys(encryptionEnvShape),
      ...Object.keys(tracingEnvShape),
    ];
    for (const name of Object.keys(api.environment ?? {})) expect(known).toContain(name);
    const env = api.environment!;
    expect(api.ports).toContain(`${env.API_PORT}:${env.API_PORT}`);
    expect(env.API_HOST).toBe('0.0.0.0');
    expect(api.healthcheck?.test.join(' ')).toContain(`:${env.API_PORT}/readyz`);
    for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_NAMESPACE', 'MONGODB_URI', 'MONGODB_DB'])
      expect(env[name]).toBe(services.worker!.environment![name]);
  });

  test('given both services with every secret left unset (empty strings), then their configuration still loads', () => {
    const unset = (env: Record<string, string>) =>
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith('${') ? '' : v]));
    expect(() => loadConfig(unset(services.worker!.environment!))).not.toThrow();
    const api = loadApiConfig(unset(services.api!.environment!));
    expect(api.API_TOKENS.size).toBe(0);
    expect(api.SLACK_SIGNING_SECRET).toBeUndefined();
  });

  test("given Prometheus, then it mounts deploy/prometheus, scrapes the worker and the API on their metrics listeners, evaluates the shipped alerts and answers the worker's triggers", () => {
    const prometheus = services.prometheus!;
    expect(prometheus.image).toMatch(/^prom\/prometheus:v3\./);
    expect(prometheus.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
    const config = parse(fs.readFileSync(path.join(root, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    expect(fs.existsSync(path.join(root, 'deploy', 'prometheus', 'alerts.yml'))).toBe(true);
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
    for (const name of ['worker', 'api']) {
      const env = services[name]!.environment!;
      expect(env.METRICS_HOST).toBe('0.0.0.0');
      expect(targets).toContain(`${name}:${env.METRICS_PORT}`);
      // The metrics listener is scraped inside the compose network, never published.
      expect((services[name]!.ports ?? []).some((p) => p.endsWith(`:${env.METRICS_PORT}`))).toBe(false);
    }
    expect(services.worker!.environment!.PROMETHEUS_URL).toBe('http://prometheus:9090');
  });

  test('given Jaeger, then the worker and the API export their traces to it over OTLP unless the caller turns tracing off', () => {
    expect(services.jaeger!.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(services.jaeger!.ports).toEqual(['127.0.0.1:16686:16686']);
    const defaults = (env: Record<string, string>) =>
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')]));
    for (const [name, serviceName] of [
      ['worker', 'lead-rollback-worker'],
      ['api', 'lead-rollback-api'],
    ] as const) {
      const env = defaults(services[name]!.environment!);
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      expect(tracingSettingsFromEnv('unused', env)).toMatchObject({ enabled: true, serviceName });
      expect(tracingSettingsFromEnv('unused', { ...env, OTEL_SDK_DISABLED: 'true' })).toEqual({ enabled: false });
    }
  });

  test('given the search attribute setup, then it registers exactly the attributes the workflows use', () => {
    const command = services['temporal-search-attributes']!.command!.join(' ');
    const registered = [...command.matchAll(/--name (\S+) --type (\S+)/g)].map((m) => m[1]);
    expect(registered.sort()).toEqual(customSearchAttributes.map((k) => k.name).sort());
  });
});

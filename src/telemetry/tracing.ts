import type { Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import { tracingSettingsFromEnv } from './config';

/** A running tracer provider: what the API, the Temporal clients and the worker are given. */
export interface Tracing {
  tracer: Tracer;
  /** The sanitising pipeline; the worker hands workflow spans to it (they end in the sandbox). */
  spans: SpanProcessor;
  resource: Resource;
  /**
   * The Temporal client's interceptors: starting, signalling, updating or querying a workflow is a
   * span, and its context travels to the workflow in the call's headers, so the API request that
   * started a change is the parent of everything the change does.
   */
  clientInterceptors: ClientInterceptors;
  /** Exports what has ended so far. */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global context manager and propagator. */
  shutdown(): Promise<void>;
}

/**
 * Tracing as the standard OTEL_* variables configure it (config.ts), or undefined when they do
 * not: the entry points (worker, API, CLI) call this first thing. The SDK and the exporter are
 * loaded only when tracing is on, so a CLI command without OTEL_* does not pay for loading them.
 */
export function tracingFromEnv(
  defaultServiceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Tracing | undefined {
  const settings = tracingSettingsFromEnv(defaultServiceName, env);
  if (!settings.enabled) return undefined;
  // A require, not an import at the top: see above. (A dynamic import() would be an ES import here.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { otlpExporterFromEnv, samplerOf, startTracing } = require('./provider') as typeof import('./provider');
  return startTracing({
    serviceName: settings.serviceName,
    sampler: samplerOf(settings.sampler),
    exporter: otlpExporterFromEnv(),
  });
}

/** The interceptors a Temporal client is built with: none with tracing off. */
export function clientInterceptors(tracing: Tracing | undefined): ClientInterceptors {
  return tracing?.clientInterceptors ?? {};
}

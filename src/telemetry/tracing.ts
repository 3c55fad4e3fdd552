import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { tracingSettingsFromEnv } from './config';
import { SanitizingSpanProcessor } from './sanitize';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: OTLP over HTTP in the processes, whatever a test gives. */
  exporter: SpanExporter;
  sampler: Sampler;
  /** Export each span as it ends instead of in batches (tests that read spans right away). */
  exportEachSpan?: boolean;
}

/** A running tracer provider: what the API, the client interceptors and the worker are given. */
export interface Tracing {
  tracer: Tracer;
  /** The sanitising pipeline; the worker hands workflow spans to it (they end in the sandbox). */
  spans: SpanProcessor;
  resource: Resource;
  /** Exports what has ended so far. */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global context manager and propagator. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'lead-rollback';

/**
 * Starts tracing with explicit options: every span passes the sanitiser (sanitize.ts) before the
 * exporter. Registers an AsyncLocalStorage context manager and the W3C trace-context propagator
 * globally, because the Temporal interceptors and the HTTP sender find the current span through
 * the global API: a span started in an activity must be the parent of the HTTP call it makes.
 */
export function startTracing(options: TracingOptions): Tracing {
  const resource = Resource.default().merge(new Resource({ 'service.name': options.serviceName }));
  const exporting = options.exportEachSpan
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(options.exporter);
  const spans = new SanitizingSpanProcessor(exporting);
  const provider = new BasicTracerProvider({ resource, sampler: options.sampler, spanProcessors: [spans] });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new W3CTraceContextPropagator(),
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    spans,
    resource,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * Tracing as the standard OTEL_* variables configure it (config.ts), or undefined when they do
 * not: the entry points (worker, API, CLI) call this first thing.
 */
export function tracingFromEnv(
  defaultServiceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Tracing | undefined {
  const settings = tracingSettingsFromEnv(defaultServiceName, env);
  if (!settings.enabled) return undefined;
  // Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT and _COMPRESSION itself.
  return startTracing({
    serviceName: settings.serviceName,
    sampler: settings.sampler,
    exporter: new OTLPTraceExporter(),
  });
}

/** An OTLP-over-HTTP exporter to an explicit collector URL (tests, the bench), ignoring the environment. */
export function otlpExporterTo(baseUrl: string): SpanExporter {
  return new OTLPTraceExporter({ url: `${baseUrl.replace(/\/+$/, '')}/v1/traces` });
}

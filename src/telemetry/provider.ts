import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { SamplerSpec } from './config';
import { SanitizingSpanProcessor } from './sanitize';
import type { Tracing } from './tracing';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: OTLP over HTTP in the processes, whatever a test gives. */
  exporter: SpanExporter;
  sampler: Sampler;
  /** Export each span as it ends instead of in batches (tests that read spans right away). */
  exportEachSpan?: boolean;
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
  const tracer = provider.getTracer(TRACER_NAME);
  return {
    tracer,
    spans,
    resource,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** OTLP over HTTP as OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT and _COMPRESSION say. */
export function otlpExporterFromEnv(): SpanExporter {
  return new OTLPTraceExporter();
}

/** An OTLP-over-HTTP exporter to an explicit collector URL (tests), ignoring the environment's endpoint. */
export function otlpExporterTo(baseUrl: string): SpanExporter {
  return new OTLPTraceExporter({ url: `${baseUrl.replace(/\/+$/, '')}/v1/traces` });
}

export function samplerOf({ name, ratio }: SamplerSpec): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

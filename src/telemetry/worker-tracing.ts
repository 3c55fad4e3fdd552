import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { TRACE_HEADER } from '../temporal/trace-header';
import type { Tracing } from './tracing';

/**
 * What a worker adds for tracing: the activity interceptors (with tracing on) and, always, the
 * `exporter` sink that traced workflow runs call (src/temporal/trace-interceptors.ts). A traced
 * run can reach a worker with tracing off (the API traced, this worker does not): the sink then
 * drops its spans instead of the SDK logging an error for a sink nobody registered.
 */
export function workerTracing(tracing: Tracing | undefined): {
  activityInterceptors: ActivityInterceptorsFactory[];
  sinks: InjectedSinks<OpenTelemetrySinks>;
} {
  if (!tracing) return { activityInterceptors: [], sinks: { exporter: { export: { fn: () => undefined } } } };
  const options = { tracer: tracing.tracer };
  return {
    activityInterceptors: [
      (ctx) => {
        const traced = new OpenTelemetryActivityInboundInterceptor(ctx, options);
        return {
          // Only activities of traced runs: the others would each start a trace of one span.
          inbound: {
            execute: (input, next) =>
              input.headers[TRACE_HEADER] === undefined ? next(input) : traced.execute(input, next),
          },
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        };
      },
    ],
    // Workflow spans end in the sandbox and reach the worker in batches, after their activation.
    sinks: { exporter: makeWorkflowExporter(tracing.spans, tracing.resource) },
  };
}

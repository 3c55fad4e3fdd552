/**
 * The Temporal header the OpenTelemetry interceptors carry trace context in. Not among the
 * package's public exports; the workflow gate (trace-interceptors.ts) and the activity gate
 * (src/telemetry/worker-tracing.ts) must test the very name the interceptors write.
 */
export { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';

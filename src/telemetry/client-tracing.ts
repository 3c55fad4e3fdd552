import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors } from '@temporalio/client';
import type { Tracing } from './tracing';

/**
 * The Temporal client's interceptors: with tracing on, starting, signalling, updating or querying
 * a workflow is a span, and its context travels to the workflow in the call's headers, so the
 * API request that started a change is the parent of everything the change does.
 */
export function clientInterceptors(tracing: Tracing | undefined): ClientInterceptors {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : {};
}

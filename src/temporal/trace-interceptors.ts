// lib/workflow, not the package's index: the index also loads the worker and client halves, which
// have no place in the workflow bundle.
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { TRACE_HEADER } from './trace-header';

/**
 * OpenTelemetry spans for a workflow run, only when the run was started inside a trace.
 *
 * Why the gate: workflow code cannot know whether its worker exports traces, and a traced run
 * puts the trace context in the header of every activity it schedules, i.e. in its history. A
 * run started without trace context (the client had tracing off) therefore does exactly what it
 * did before this module existed: no spans, no headers, the same history bytes. A run started
 * with it gets a workflow span and one span per activity, signal and child it starts, exported
 * through the `exporter` sink every worker registers (src/telemetry/worker-tracing.ts).
 *
 * Deterministic: the gate reads the start headers, which replay hands back unchanged, and the
 * interceptors only add headers, never commands (every stored history replays with this module).
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let traced = false;
  let otelInbound: OpenTelemetryInboundInterceptor | undefined;
  let otelOutbound: OpenTelemetryOutboundInterceptor | undefined;
  // Built only for traced runs: building them starts the sandbox's span pipeline.
  const inbound = () => (otelInbound ??= new OpenTelemetryInboundInterceptor());
  const outbound = () => (otelOutbound ??= new OpenTelemetryOutboundInterceptor());

  const gatedInbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      if (input.headers[TRACE_HEADER] === undefined) return next(input);
      traced = true;
      return inbound().execute(input, next);
    },
    handleSignal: (input, next) => (traced ? inbound().handleSignal(input, next) : next(input)),
    handleUpdate: (input, next) => (traced ? inbound().handleUpdate(input, next) : next(input)),
    validateUpdate: (input, next) => (traced ? inbound().validateUpdate(input, next) : next(input)),
    handleQuery: (input, next) => (traced ? inbound().handleQuery(input, next) : next(input)),
  };
  const gatedOutbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced ? outbound().scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) => (traced ? outbound().scheduleLocalActivity(input, next) : next(input)),
    startChildWorkflowExecution: (input, next) =>
      traced ? outbound().startChildWorkflowExecution(input, next) : next(input),
    continueAsNew: (input, next) => (traced ? outbound().continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced ? outbound().signalWorkflow(input, next) : next(input)),
    getLogAttributes: (input, next) => (traced ? outbound().getLogAttributes(input, next) : next(input)),
  };
  return {
    inbound: [gatedInbound],
    outbound: [gatedOutbound],
    // Releases the sandbox's context storage when the run leaves the cache; a no-op for untraced runs.
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};

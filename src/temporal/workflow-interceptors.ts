/**
 * Workflow interceptor modules every worker and every workflow bundle must include: workers given
 * `workflowsPath` pass them as `interceptors.workflowModules`, bundles as
 * `workflowInterceptorModules`. A worker without them would deliver messages in another order than
 * the histories were recorded with (see src/workflows/message-order.ts), and would not trace the
 * runs started inside a trace (trace-interceptors.ts; every worker then registers the `exporter`
 * sink those runs call, see src/telemetry/worker-tracing.ts).
 */
export const workflowInterceptorModules: string[] = [
  require.resolve('./message-order'),
  require.resolve('./trace-interceptors'),
];

/**
 * Workflow interceptor modules every worker and every workflow bundle must include: workers given
 * `workflowsPath` pass them as `interceptors.workflowModules`, bundles as
 * `workflowInterceptorModules`. A worker without them would deliver messages in another order than
 * the histories were recorded with (see src/workflows/message-order.ts).
 */
export const workflowInterceptorModules: string[] = [require.resolve('./message-order')];

import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * One server span per request, named by method and route template (`POST /v1/changes`), never by
 * the raw URL: paths carry ids and query strings can carry anything. A caller's `traceparent`
 * makes the span its child. The route's handler runs inside the span, so the Temporal client's
 * span for the workflow it starts is a child of it (`Tracing.clientInterceptors`, src/telemetry/tracing.ts). Only the
 * method, the route and the status are recorded: no header, no body, no query.
 *
 * Hooks rather than an instrumentation that patches `http`: the server is traced exactly when
 * it is given a tracer, in tests as in production, and nothing else in the process changes.
 */
export function traceRequests(app: FastifyInstance, tracer: Tracer): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, ...(route ? { 'http.route': route } : {}) },
      },
      parent,
    );
    spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  // Routes registered after this (all of them: buildApiServer traces first) run in their span.
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (request, reply) {
      const span = spans.get(request);
      if (!span) return handler.call(this, request, reply);
      return context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply));
    };
  });
}

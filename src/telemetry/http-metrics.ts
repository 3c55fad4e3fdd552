import type { FastifyInstance } from 'fastify';
import { boundLabel, type TelemetrySink } from '../domain/telemetry';

/**
 * Times every API request by method, route template and status code. The template
 * (`/v1/changes/:changeId`), never the URL: a URL names a change, and one series per change
 * would grow without end. A URL no route serves is `unmatched`.
 */
export function installHttpMetrics(app: FastifyInstance, sink: TelemetrySink): void {
  app.addHook('onResponse', async (request, reply) => {
    sink.record([
      {
        metric: 'lead_rollback_http_request_duration_seconds',
        value: reply.elapsedTime / 1000,
        labels: {
          method: boundLabel('method', request.method),
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
      },
    ]);
  });
}

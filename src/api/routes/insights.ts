import { insightsQuerySchema } from '../../domain/insights-query';
import type { ApiDeps } from '../deps';
import { defineRoute, type AnyRoute } from '../route';
import { insightsSchema } from '../schemas';

/** `GET /v1/insights`: change failure rate, time to recover, rollbacks and waits on people, by period. */
export function insightRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/insights',
      operationId: 'getInsights',
      summary: 'Change failure rate, time to recover, rollbacks and waits on people over the stored reports, by period',
      description:
        'Aggregated in MongoDB over the facts stored with each report, for the changes that settled in `[from, to)` (UTC), grouped by day, ISO week or month; `targetKind` keeps only changes with a step of that kind. Figures are counts, durations and step ids: no target values. How each figure is computed: docs/insights.md.',
      tag: 'insights',
      permission: 'read',
      query: insightsQuerySchema,
      responses: { 200: { description: 'The figures, in total and per period', schema: insightsSchema } },
      handle: ({ query }) => deps.changes.insights(query),
    }),
  ];
}

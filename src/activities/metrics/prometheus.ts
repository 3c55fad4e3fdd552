import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { ErrorType } from '../../domain/errors';
import { permanent } from '../../domain/failures';
import type { MetricQuery, MetricSample, MetricSource } from '../../domain/metrics';

export interface PrometheusConnection {
  /** Base URL of a server speaking the Prometheus HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics…). */
  url: string;
  /** Bearer token, when the server needs one (from the worker's environment). */
  token?: string;
  timeoutMs?: number;
}

const instantVector = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.enum(['vector', 'scalar']),
    result: z.union([
      z.array(z.object({ value: z.tuple([z.number(), z.string()]) })),
      z.tuple([z.number(), z.string()]),
    ]),
  }),
});

/**
 * Metrics from the Prometheus HTTP API (`/api/v1/query`), evaluated at the end of the window, so
 * teams can trigger rollbacks on the metrics they already have.
 */
export function createPrometheusSource(connection: PrometheusConnection | undefined): MetricSource {
  async function instant(query: string, at: string): Promise<number | null> {
    if (!connection)
      throw permanent(ErrorType.WorkerMisconfigured, 'a prometheus trigger needs PROMETHEUS_URL on the worker');
    const url = new URL('api/v1/query', connection.url.endsWith('/') ? connection.url : `${connection.url}/`);
    url.searchParams.set('query', query);
    url.searchParams.set('time', String(Date.parse(at) / 1000));
    let response: Response;
    try {
      response = await fetch(url, {
        headers: connection.token ? { authorization: `Bearer ${connection.token}` } : {},
        signal: AbortSignal.timeout(connection.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw ApplicationFailure.retryable(
        `Prometheus unreachable: ${(err as Error).message}`,
        ErrorType.PartnerUnavailable,
      );
    }
    if (response.status >= 500 || response.status === 429)
      throw ApplicationFailure.retryable(`Prometheus answered ${response.status}`, ErrorType.PartnerUnavailable);
    if (!response.ok)
      throw permanent(
        ErrorType.PartnerRejected,
        `Prometheus refused the query (${response.status}): ${(await response.text()).slice(0, 200)}`,
      );
    const parsed = instantVector.safeParse(await response.json());
    if (!parsed.success)
      throw permanent(
        ErrorType.PartnerRejected,
        'Prometheus answered something other than an instant vector or scalar',
      );
    const { result } = parsed.data.data;
    const first =
      Array.isArray(result[0]) || typeof result[0] === 'number'
        ? (result as [number, string])
        : (result as { value: [number, string] }[])[0]?.value;
    if (!first) return null;
    const value = Number(first[1]);
    return Number.isFinite(value) ? value : null;
  }

  return {
    async sample(query: MetricQuery): Promise<MetricSample> {
      const metric = query.trigger.metric;
      if (metric.source !== 'prometheus') throw new TypeError('not a prometheus trigger');
      const value = await instant(metric.query, query.to);
      const samples = metric.samplesQuery ? ((await instant(metric.samplesQuery, query.to)) ?? 0) : null;
      return { value, samples };
    },
  };
}

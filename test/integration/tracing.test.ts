import { AlwaysOnSampler } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import type { Identity } from '../../src/auth/identity';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { TRACE_HEADER } from '../../src/temporal/trace-header';
import { workerTracing } from '../../src/telemetry/worker-tracing';
import { otlpExporterTo, startTracing } from '../../src/telemetry/provider';
import type { Tracing } from '../../src/telemetry/tracing';
import { startJaeger, type DevJaeger } from '../../tools/devenv/jaeger';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { eventually, openTestEnv, type TestEnv } from '../helpers/harness';
import { PEER_PARTNER, startPeers, type Peers } from '../helpers/peers';
import { ENV, requiredEnv } from '../setup/services';

const TOKEN = 'tracing-requester-token-0001';
const tokens: Record<string, Identity> = {
  [TOKEN]: { actor: 'ops@example.com', roles: ['requester'], groups: [] } as Identity,
};
/** A lead's value, and a query string (the product refuses credentials there): neither may reach a span. */
const LEAD_EMAIL = 'jane.lead.4417@example.com';
const QUERY_VALUE = 'campaign-5c1d2e3f4a5b';

function change(peers: Peers, recordId: string): ChangeRequestInput {
  return {
    title: 'Qualify a contact and tell the partner',
    requestedBy: 'ops@example.com',
    steps: [
      {
        id: 'qualify-contact',
        target: 'crm',
        spec: {
          action: 'update-record',
          objectType: 'contacts',
          recordId,
          properties: { email: LEAD_EMAIL, lifecyclestage: 'lead' },
        },
      },
      {
        id: 'notify-partner',
        target: 'webhook',
        spec: {
          partner: PEER_PARTNER,
          forward: {
            method: 'POST',
            url: `${peers.webhook.url}/hooks/leads?ref=${QUERY_VALUE}`,
            body: { change: '{{changeId}}', email: LEAD_EMAIL },
          },
          compensate: { method: 'POST', url: `${peers.webhook.url}/hooks/leads/revert?ref=${QUERY_VALUE}` },
        },
      },
    ],
  };
}

const SERVICE = 'lead-rollback-test';

/** A span as Jaeger's query API returns it, as far as the assertions read it. */
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}

interface SeenSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  values: Record<string, unknown>;
}

/** Jaeger's query HTTP API: the traces holding a span tagged with this workflow id, and one trace whole. */
class JaegerTraces {
  constructor(private readonly queryUrl: string) {}

  async withWorkflow(workflowId: string): Promise<string[]> {
    const tags = encodeURIComponent(JSON.stringify({ temporalWorkflowId: workflowId }));
    const found = await this.get(`/api/traces?service=${SERVICE}&tags=${tags}&limit=20`);
    return found.data.map((trace) => trace.traceID);
  }

  /** The trace's spans, and its whole JSON as Jaeger holds it (process tags included). */
  async trace(traceId: string): Promise<{ spans: SeenSpan[]; json: string }> {
    const found = await this.get(`/api/traces/${traceId}`);
    const spans = found.data.flatMap((trace) =>
      trace.spans.map((span) => ({
        traceId: span.traceID,
        spanId: span.spanID,
        parentSpanId: span.references.find((ref) => ref.refType === 'CHILD_OF')?.spanID,
        name: span.operationName,
        values: Object.fromEntries(span.tags.map((tag) => [tag.key, tag.value])),
      })),
    );
    return { spans, json: JSON.stringify(found) };
  }

  private async get(path: string): Promise<{ data: { traceID: string; spans: JaegerSpan[] }[] }> {
    const response = await fetch(`${this.queryUrl}${path}`);
    // A trace not stored yet is a 404: not yet, not a failure.
    if (response.status === 404) return { data: [] };
    if (!response.ok) throw new Error(`Jaeger ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { data: { traceID: string; spans: JaegerSpan[] }[] };
  }
}

describe('one trace from the API request to the partner call', () => {
  let env: TestEnv;
  let peers: Peers;
  let api: RunningApi;
  let tracing: Tracing;
  let jaeger: DevJaeger;
  let traces: JaegerTraces;

  beforeAll(async () => {
    jaeger = await startJaeger();
    traces = new JaegerTraces(jaeger.queryUrl);
    // Explicit options, not the process environment: other test files run untraced.
    tracing = startTracing({
      serviceName: SERVICE,
      exporter: otlpExporterTo(jaeger.otlpHttpUrl),
      sampler: new AlwaysOnSampler(),
    });
    peers = await startPeers();
    env = await openTestEnv({ guard: peers.guard });
    await env.startWorker(undefined, { ...peers.deps, tracing });
    api = await startApi(env, { tokens, tracing });
  });

  afterAll(async () => {
    await api?.close();
    await env?.close();
    await peers?.stop();
    await tracing?.shutdown();
    await jaeger?.stop();
  });

  test('given tracing on in the API and the worker, when a change is started over HTTP, then one trace holds the request, the workflow, its activities and the partner calls, and no span carries a lead value or secret', async () => {
    const recordId = peers.crm.state.createRecord('contacts', { firstname: 'Ada', lifecyclestage: 'subscriber' }).id;
    const started = await call(api, 'POST', '/v1/changes', { token: TOKEN, body: change(peers, recordId) });
    expect({ status: started.status, body: started.body as unknown }).toMatchObject({ status: 201 });
    const changeId = started.body.changeId as string;
    const workflowId = changeWorkflowId(changeId);
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('completed');

    const trace = await eventually(async () => {
      await tracing.flush();
      const [traceId, ...others] = await traces.withWorkflow(workflowId);
      if (!traceId) return undefined;
      expect(others).toEqual([]);
      const { spans: inTrace, json } = await traces.trace(traceId);
      const request = inTrace.find((span) => span.name === 'POST /v1/changes');
      const workflow = inTrace.find((span) => span.name === 'RunWorkflow:changeWorkflow');
      const activities = inTrace.filter((span) => span.name.startsWith('RunActivity:'));
      const outgoing = inTrace.filter((span) => span.values['server.address'] === '127.0.0.1');
      const methods = new Set(outgoing.map((span) => span.name));
      // Spans reach Jaeger in batches: wait for the workflow span (it ends with the run) and both calls.
      if (!request || !workflow || activities.length === 0 || !methods.has('PATCH') || !methods.has('POST'))
        return undefined;
      return { request, inTrace, workflow, activities, outgoing, json };
    });

    const start = trace.inTrace.find((span) => span.name === 'StartWorkflow:changeWorkflow')!;
    expect(start.parentSpanId).toBe(trace.request.spanId);
    expect(start.values.temporalWorkflowId).toBe(workflowId);
    expect(trace.request.values).toMatchObject({ 'http.route': '/v1/changes', 'http.response.status_code': 201 });
    expect(trace.workflow.values.workflowId).toBe(workflowId);
    expect(trace.activities.every((span) => span.values.temporalWorkflowId === workflowId)).toBe(true);
    // Each partner call is a child of the activity that made it, and names only where it went.
    const activityIds = new Set(trace.activities.map((span) => span.spanId));
    expect(trace.outgoing.every((span) => activityIds.has(span.parentSpanId ?? ''))).toBe(true);
    expect(trace.outgoing.map((span) => span.values['server.port'])).toEqual(
      expect.arrayContaining([Number(new URL(peers.crm.url).port), Number(new URL(peers.webhook.url).port)]),
    );

    // Everything Jaeger holds of the trace: span and event tags, status, process tags.
    for (const secret of [LEAD_EMAIL, QUERY_VALUE, TOKEN, peers.crm.token, peers.secret, '/hooks/']) {
      expect(trace.json).not.toContain(secret);
    }
  });

  test('given a change that ran traced, when its history is replayed with the bundle, then it replays: tracing only added headers', async () => {
    const recordId = peers.crm.state.createRecord('contacts', { firstname: 'Bo', lifecyclestage: 'subscriber' }).id;
    const started = await call(api, 'POST', '/v1/changes', { token: TOKEN, body: change(peers, recordId) });
    const workflowId = changeWorkflowId(started.body.changeId as string);
    await env.changes.result(started.body.changeId as string);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history.events!.filter((event) => event.activityTaskScheduledEventAttributes);
    expect(scheduled.every((event) => event.activityTaskScheduledEventAttributes!.header?.fields?.[TRACE_HEADER])).toBe(
      true,
    );

    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: requiredEnv(ENV.workflowBundle) },
        dataConverter: env.dataConverter,
        sinks: workerTracing(undefined).sinks,
      },
      history,
      workflowId,
    );
  });
});

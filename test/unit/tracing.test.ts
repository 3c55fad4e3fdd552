import { SpanStatusCode, trace } from '@opentelemetry/api';
import { AlwaysOnSampler, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { traceRequests } from '../../src/api/tracing';
import { ValidationError } from '../../src/domain/validation';
import { tracingSettingsFromEnv } from '../../src/telemetry/config';
import { startTracing } from '../../src/telemetry/provider';
import type { Tracing } from '../../src/telemetry/tracing';

const LEAD_EMAIL = 'jane.lead@example.com';
const WEBHOOK_TOKEN = 'tok_9f8e7d6c5b4a';

describe('tracing configuration from the OTEL_* variables', () => {
  test('given nothing set, then tracing is off', () => {
    expect(tracingSettingsFromEnv('lead-rollback-worker', {})).toEqual({ enabled: false });
  });

  test('given an OTLP endpoint, then tracing is on under the process default service name', () => {
    const settings = tracingSettingsFromEnv('lead-rollback-worker', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    });
    expect(settings).toMatchObject({ enabled: true, serviceName: 'lead-rollback-worker' });
  });

  test('given a traces endpoint and a service name, then tracing is on under that name', () => {
    const settings = tracingSettingsFromEnv('lead-rollback-api', {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector.internal:4318/v1/traces',
      OTEL_SERVICE_NAME: 'rollback-api-eu',
    });
    expect(settings).toMatchObject({ enabled: true, serviceName: 'rollback-api-eu' });
  });

  test.each([{ OTEL_SDK_DISABLED: 'TRUE' }, { OTEL_TRACES_EXPORTER: 'none' }])(
    'given an endpoint and %p, then tracing is off',
    (off) => {
      expect(tracingSettingsFromEnv('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', ...off })).toEqual({
        enabled: false,
      });
    },
  );

  test.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }],
    ['OTEL_TRACES_SAMPLER', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'jaeger' }],
    ['OTEL_TRACES_SAMPLER_ARG', { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }],
    ['OTEL_SDK_DISABLED', { OTEL_SDK_DISABLED: 'yes' }],
  ])('given a bad %s, then the error names it', (name, env) => {
    expect(() => tracingSettingsFromEnv('x', env)).toThrow(ValidationError);
    expect(() => tracingSettingsFromEnv('x', env)).toThrow(new RegExp(name));
  });
});

describe('spans on their way out', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(() => {
    tracing = startTracing({
      serviceName: 'unit',
      exporter,
      sampler: new AlwaysOnSampler(),
      exportEachSpan: true,
    });
  });
  afterAll(() => tracing.shutdown());
  afterEach(() => exporter.reset());

  test('given a span carrying lead values, secrets, headers and a URL with its query, when exported, then only ids and HTTP shapes remain', () => {
    const span = tracing.tracer.startSpan('POST', {
      attributes: {
        'http.request.method': 'POST',
        'server.address': 'hooks.partner-a.example',
        'server.port': 443,
        'url.full': `https://hooks.partner-a.example/hooks/caps?token=${WEBHOOK_TOKEN}`,
        'url.path': `/hooks/${WEBHOOK_TOKEN}`,
        'url.query': `token=${WEBHOOK_TOKEN}`,
        'http.request.header.authorization': `Bearer ${WEBHOOK_TOKEN}`,
        'lead.email': LEAD_EMAIL,
        temporalWorkflowId: 'change-spring-caps',
        temporalTerminateReason: `bad lead ${LEAD_EMAIL}`,
      },
    });
    // What the workflow span exporter does: the whole workflow info, memo included, as attributes.
    Object.assign((span as unknown as { attributes: Record<string, unknown> }).attributes, {
      workflowType: 'changeWorkflow',
      memo: { email: LEAD_EMAIL },
      startTime: new Date(),
    });
    span.recordException(new Error(`CRM answered 422 for ${LEAD_EMAIL}`));
    span.setStatus({ code: SpanStatusCode.ERROR, message: `CRM answered 422 for ${LEAD_EMAIL}` });
    span.end();

    const [exported] = exporter.getFinishedSpans();
    expect(exported!.attributes).toEqual({
      'http.request.method': 'POST',
      'server.address': 'hooks.partner-a.example',
      'server.port': 443,
      temporalWorkflowId: 'change-spring-caps',
      workflowType: 'changeWorkflow',
    });
    expect(exported!.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(exported!.events.map((event) => event.attributes)).toEqual([{ 'exception.type': 'Error' }]);
    const text = JSON.stringify({ ...exported, resource: undefined, spanContext: exported!.spanContext() });
    expect(text).not.toContain(LEAD_EMAIL);
    expect(text).not.toContain(WEBHOOK_TOKEN);
  });

  test('given the API traced, when a route with a query string is called, then its span is named by the route template and is the active span in the handler', async () => {
    const app = Fastify();
    traceRequests(app, tracing.tracer);
    let activeInHandler: string | undefined;
    app.get('/v1/changes/:changeId', async () => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
      return { ok: true };
    });
    const response = await call(app, `/v1/changes/spring-caps?token=${WEBHOOK_TOKEN}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` },
    });

    expect(response.status).toBe(200);
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('GET /v1/changes/:changeId');
    expect(span!.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/v1/changes/:changeId',
      'http.response.status_code': 200,
    });
    expect(activeInHandler).toBe(span!.spanContext().spanId);
  });

  test('given a caller in a trace, when it calls the API with traceparent, then the server span continues that trace', async () => {
    const app = Fastify();
    traceRequests(app, tracing.tracer);
    app.post('/v1/changes', async () => ({ ok: true }));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await call(app, '/v1/changes', { method: 'POST', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });

    const [span] = exporter.getFinishedSpans();
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanId).toBe('00f067aa0ba902b7');
  });
});

/** Calls the app over loopback, then closes it (its spans end once the response is sent). */
async function call(app: FastifyInstance, path: string, init: RequestInit): Promise<Response> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const response = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}${path}`, init);
    await response.text();
    return response;
  } finally {
    await app.close();
  }
}

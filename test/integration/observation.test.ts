import { leadEventsCollection, type LeadEvent } from '../../src/store/lead-events';
import { notificationsCollection } from '../../src/store/notifications';
import type { FlowStore } from '../../src/store/flows';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { startPrometheus, type DevPrometheus } from '../../tools/devenv/prometheus';
import { startDeliveryExporter, type DeliveryExporter } from '../helpers/delivery-exporter';
import { capStep, levels, request, waitForPhase, waitForQuestion } from '../helpers/changes';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

type Observe = NonNullable<NonNullable<ChangeRequestInput['policy']>['observe']>;

describe('observation after apply: metric triggers, inconclusive windows, post-rollback validation', () => {
  let env: TestEnv;
  // One real Prometheus for the file, scraping a loopback exporter of a partner's delivery counters.
  const PARTNER_FLOW = 'partner-deliveries';
  let exporter: DeliveryExporter;
  let prometheus: DevPrometheus;
  beforeAll(async () => {
    exporter = await startDeliveryExporter(PARTNER_FLOW);
    prometheus = await startPrometheus({ scrape: [{ job: 'deliveries', targets: [exporter.target] }] });
  });
  afterAll(async () => {
    await prometheus.stop();
    await exporter.stop();
  });
  let flows: FlowStore;
  let flowId: string;
  let traffic: NodeJS.Timeout | undefined;

  beforeEach(async () => {
    env = await openTestEnv();
    flowId = uniqueId('solar');
    flows = await seedFlows(env.db, [flowId]);
    await env.startWorker(undefined, { prometheus: { url: prometheus.url } });
  });
  afterEach(async () => {
    clearInterval(traffic);
    await env.close();
  });

  /** Lead outcomes in the flow: `accepted` of every `n` accepted, timestamped now (or `ago` ms before). */
  async function leads(n: number, accepted: number, ago = 0): Promise<void> {
    const at = new Date(Date.now() - ago);
    const events: LeadEvent[] = Array.from({ length: n }, (_, i) => ({
      flowId,
      at,
      outcome: i < accepted ? 'accepted' : 'rejected',
      price: i < accepted ? 12 : 0,
    }));
    await leadEventsCollection(env.db).insertMany(events);
  }

  const change = (observe: Observe, extra: Partial<ChangeRequestInput> = {}) =>
    request({ steps: [capStep('raise-cap', flowId, 45)], policy: { observe }, ...extra });

  test('given acceptance drops after apply, when the trigger breaches twice, then the change is rolled back and the report shows metric, baseline and time to recover', async () => {
    await leads(60, 48, 20_000); // baseline: 80% accepted in the minute before the change
    const changeId = uniqueId('drop');
    await env.changes.start(
      change({
        bakeTime: '30s',
        interval: '1s',
        baselineWindow: '1m',
        triggers: [
          {
            name: 'acceptance-drop',
            metric: { source: 'lead-events', name: 'acceptance-rate' },
            comparison: { kind: 'decrease', by: 0.25 },
            minSamples: 10,
            consecutive: 2,
          },
        ],
      }),
      { changeId },
    );
    await waitForPhase(env.changes, changeId, 'observing');
    traffic = setInterval(() => void leads(10, 2).catch(() => undefined), 200); // 20% accepted after the change

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ type: 'TriggerFired' });
    expect(report.trigger).toMatchObject({
      name: 'acceptance-drop',
      metric: 'lead-events: acceptance-rate',
      baseline: 0.8,
      consecutive: 2,
    });
    expect(report.trigger!.value!).toBeLessThan(0.6);
    const { detectedAt, rollbackStartedAt, restoredAt, validatedAt, timeToRecoverMs } = report.recovery!;
    expect(detectedAt).toBe(report.trigger!.firedAt);
    expect([detectedAt, rollbackStartedAt, restoredAt, validatedAt].map((t) => Date.parse(t!))).toEqual(
      [...[detectedAt, rollbackStartedAt, restoredAt, validatedAt].map((t) => Date.parse(t!))].sort((a, b) => a - b),
    );
    expect(timeToRecoverMs).toBe(Date.parse(validatedAt!) - Date.parse(detectedAt));
    expect(report.validation).toMatchObject({ ok: true, targets: [{ stepId: 'raise-cap', ok: true }] });
    expect((await flows.get(flowId))!.config).toEqual(sampleFlowConfig(flowId));
    console.log(
      `acceptance trigger: baseline ${report.trigger!.baseline}, value ${report.trigger!.value}, time to recover ${timeToRecoverMs} ms`,
    );
  });

  test('given a low-traffic window, when it ends, then it is inconclusive (never a breach) and the change completes by policy', async () => {
    const changeId = uniqueId('quiet');
    await env.changes.start(
      change({
        bakeTime: '3s',
        interval: '1s',
        triggers: [
          {
            name: 'acceptance-floor',
            metric: { source: 'lead-events', name: 'acceptance-rate' },
            comparison: { kind: 'below', threshold: 0.5 },
            minSamples: 50,
          },
        ],
      }),
      { changeId },
    );
    await waitForPhase(env.changes, changeId, 'observing');
    await leads(5, 0); // five rejections: a breach by value, but far too little traffic

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    expect(report.observation!.outcome).toBe('inconclusive');
    expect(report.observation!.samples.every((s) => s.verdict === 'inconclusive')).toBe(true);
    expect(report.trigger).toBeUndefined();
    expect((await flows.get(flowId))!.version).toBe(2);
  });

  test('given metrics that stay bad after the rollback, when validation re-observes them, then it escalates until someone acknowledges', async () => {
    // A partner's delivery errors that stay bad whatever the change does, as Prometheus computes them.
    exporter.setErrorRatio(0.9);
    const errorRatio = `sum(rate(lead_delivery_errors_total{flow="${PARTNER_FLOW}"}[5s])) / sum(rate(lead_deliveries_total{flow="${PARTNER_FLOW}"}[5s]))`;
    await eventually(
      async () => ((await prometheus.query(errorRatio)).some((s) => Number(s.value[1]) > 0.5) ? true : undefined),
      undefined,
      250,
    );
    const changeId = uniqueId('not-recovered');
    await env.changes.start(
      change({
        bakeTime: '20s',
        interval: '1s',
        recoveryWindow: '1s',
        triggers: [
          {
            name: 'rejections',
            metric: { source: 'prometheus', query: errorRatio },
            comparison: { kind: 'above', threshold: 0.3 },
          },
        ],
      }),
      { changeId },
    );
    const question = await waitForQuestion(env.changes, changeId, { kind: 'validation' });
    expect(question.options).toEqual(['acknowledge']);

    await env.changes.decide(changeId, {
      decision: 'acknowledge',
      actor: 'requester@example.com',
      comment: 'rejections come from a partner outage, not this change',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.validation).toMatchObject({
      ok: false,
      targets: [{ ok: true }],
      metrics: [{ trigger: 'rejections', verdict: 'breach' }],
    });
    const sent = await notificationsCollection(env.db).find({ changeId, event: 'validation-failed' }).toArray();
    expect(sent).toHaveLength(1);
  });

  test('given a change under observation, when someone requests a rollback, then the window ends and the change is rolled back', async () => {
    const changeId = uniqueId('observe-manual');
    await env.changes.start(
      request({
        steps: [capStep('raise-cap', flowId, 45)],
        policy: {
          observe: {
            bakeTime: '1h',
            interval: '1m',
            triggers: [
              {
                name: 'acceptance-floor',
                metric: { source: 'lead-events', name: 'acceptance-rate' },
                comparison: { kind: 'below', threshold: 0.5 },
              },
            ],
          },
          escalation: { levels: levels(['on-call', ['oncall@example.com'], '1h']) },
        },
      }),
      { changeId },
    );
    await waitForPhase(env.changes, changeId, 'observing');

    await env.changes.requestRollback(changeId, {
      actor: 'oncall@example.com',
      reason: 'buyers complain about lead quality',
      category: 'user-feedback',
    });

    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.observation!.outcome).toBe('interrupted');
    expect(report.cause).toMatchObject({ type: 'ManualRollback' });
  });
});

import type { ChangeRequestInput } from '../../src/domain/change-request';
import type { FlowStore } from '../../src/store/flows';
import { startPrometheus, type DevPrometheus } from '../../tools/devenv/prometheus';
import { capStep, request, waitForPhase } from '../helpers/changes';
import { startDeliveryExporter, type DeliveryExporter } from '../helpers/delivery-exporter';
import { sampleFlowConfig, seedFlows } from '../helpers/flows';
import { eventually, openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';

type Trigger = NonNullable<NonNullable<NonNullable<ChangeRequestInput['policy']>['observe']>['triggers']>[number];

/**
 * `prometheus` triggers against a real Prometheus: it scrapes a loopback exporter of delivery
 * counters every second, and the trigger's PromQL computes the error ratio from those samples —
 * rates, windows and evaluation times are Prometheus's own, not a peer's canned answers.
 */
describe('prometheus triggers evaluated by a real Prometheus over scraped samples', () => {
  let env: TestEnv;
  let exporter: DeliveryExporter;
  let prometheus: DevPrometheus;
  let flows: FlowStore;
  let flowId: string;

  const errorRatio = (flow: string) =>
    `sum(rate(lead_delivery_errors_total{flow="${flow}"}[5s])) / sum(rate(lead_deliveries_total{flow="${flow}"}[5s]))`;
  const deliveries = (flow: string) => `sum(increase(lead_deliveries_total{flow="${flow}"}[5s]))`;

  beforeEach(async () => {
    env = await openTestEnv();
    flowId = uniqueId('solar');
    flows = await seedFlows(env.db, [flowId]);
    exporter = await startDeliveryExporter(flowId);
    exporter.setErrorRatio(0.02);
    prometheus = await startPrometheus({ scrape: [{ job: 'deliveries', targets: [exporter.target] }] });
    // Enough scraped history for a 5 s rate before the change takes its baseline.
    await eventually(
      async () => {
        const [sample] = await prometheus.query(errorRatio(flowId));
        return sample && Number(sample.value[1]) >= 0 ? sample : undefined;
      },
      undefined,
      250,
    );
    await env.startWorker(undefined, { prometheus: { url: prometheus.url } });
  });
  afterEach(async () => {
    await env.close();
    await prometheus.stop();
    await exporter.stop();
  });

  const change = (trigger: Trigger, bakeTime: string) =>
    request({
      steps: [capStep('raise-cap', flowId, 45)],
      policy: { observe: { bakeTime, interval: '1s', baselineWindow: '10s', triggers: [trigger] } },
    });

  /** Starts a change watched by the delivery error ratio, compared as given, over at least 100 deliveries. */
  async function startWatched(
    prefix: string,
    comparison: Trigger['comparison'],
    bakeTime: string,
    extra: Partial<Trigger> = {},
  ): Promise<string> {
    const changeId = uniqueId(prefix);
    const trigger: Trigger = {
      name: 'delivery-errors',
      metric: { source: 'prometheus', query: errorRatio(flowId), samplesQuery: deliveries(flowId) },
      comparison,
      minSamples: 100,
      ...extra,
    };
    await env.changes.start(change(trigger, bakeTime), { changeId });
    return changeId;
  }

  test('given the delivery error ratio triples after apply, when Prometheus computes it, then the trigger fires against the baseline it read before the change and the flow is restored', async () => {
    const changeId = await startWatched('prom-errors', { kind: 'increase', by: 2 }, '60s', { consecutive: 2 });
    await waitForPhase(env.changes, changeId, 'observing');
    exporter.setErrorRatio(0.5);

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ type: 'TriggerFired' });
    expect(report.trigger).toMatchObject({ name: 'delivery-errors', consecutive: 2 });
    // Prometheus's own arithmetic: the baseline is the 2% the exporter served before the change,
    // the firing value a rate over a window that holds mostly 50% scrapes.
    expect(report.trigger!.baseline).toBeCloseTo(0.02, 2);
    expect(report.trigger!.value!).toBeGreaterThan(0.06);
    expect(report.trigger!.value!).toBeLessThanOrEqual(0.5);
    expect(report.trigger!.samples!).toBeGreaterThanOrEqual(100);
    expect(report.validation).toMatchObject({ targets: [{ stepId: 'raise-cap', ok: true }] });
    expect((await flows.get(flowId))!.config).toEqual(sampleFlowConfig(flowId));
  });

  test('given the error ratio stays at its usual level through the window, when every sample is healthy, then the change completes', async () => {
    const changeId = await startWatched('prom-healthy', { kind: 'above', threshold: 0.1 }, '4s');

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    expect(report.observation!.outcome).toBe('healthy');
    const values = report.observation!.samples.map((s) => s.value!);
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value).toBeCloseTo(0.02, 2);
    expect((await flows.get(flowId))!.version).toBe(2);
  });

  test('given the flow stops receiving leads, when the samples query finds too little traffic, then the window is inconclusive, never a breach', async () => {
    exporter.setTraffic(0);
    exporter.setErrorRatio(1);
    // Traffic stopped in Prometheus's view too before the change starts.
    await eventually(
      async () => {
        const [sample] = await prometheus.query(deliveries(flowId));
        return sample && Number(sample.value[1]) === 0 ? sample : undefined;
      },
      undefined,
      250,
    );
    const changeId = await startWatched('prom-quiet', { kind: 'above', threshold: 0.1 }, '3s');

    const report = await env.changes.result(changeId);

    expect(report.phase).toBe('completed');
    expect(report.observation!.outcome).toBe('inconclusive');
    expect(report.observation!.samples.every((s) => s.verdict === 'inconclusive')).toBe(true);
    expect(report.trigger).toBeUndefined();
  });
});

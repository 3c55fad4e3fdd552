import { capStep, change, errorRate, ONCALL, saga, twoLevels } from './saga';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';

const HOUR = 3_600_000;

/**
 * The bake window with fake metrics and an hour of virtual time sampled every five minutes: a
 * trigger that fires, a window too quiet to judge, a window that passes, and the recovery window
 * after a rollback. The integration tier samples real lead events and a Prometheus peer for
 * seconds of real time (observation.test.ts).
 */
describe('observation: a fired trigger rolls back, a quiet window asks, a healthy window completes', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  const observed = (observe: object, extra: object = {}) =>
    change([capStep('raise-cap'), capStep('open-region')], {
      observe: { bakeTime: '1h', interval: '5m', triggers: [errorRate('errors', 2)], ...observe },
      escalation: { levels: twoLevels() },
      ...extra,
    });

  test('given the error rate breaches from the third sampling on, when it breaches twice in a row, then the trigger fires and the change rolls back with cause TriggerFired', async () => {
    const s = await saga(ts, 'trigger', { metrics: { errors: (n) => (n < 2 ? 'healthy' : 'breach') } });
    const report = await s.run(observed({}), () => s.changes.result(s.changeId));
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ type: 'TriggerFired' });
    expect(report.trigger).toMatchObject({
      name: 'errors',
      metric: 'lead-events: error-rate',
      comparison: 'above 0.2',
      value: 0.4,
      consecutive: 2,
    });
    expect(report.observation).toMatchObject({ outcome: 'fired' });
    expect(report.observation!.samples.map((sample) => sample.verdict)).toEqual([
      'healthy',
      'healthy',
      'breach',
      'breach',
    ]);
    // Sampled every five minutes of virtual time, up to the one that fired it.
    expect(s.fakes.calls.filter((c) => c.activity === 'sampleMetrics')).toHaveLength(4);
    expect(Date.parse(report.trigger!.firedAt) - Date.parse(report.observation!.startedAt)).toBeGreaterThanOrEqual(
      20 * 60_000,
    );
    expect(report.recovery!.detectedAt).toBe(report.trigger!.firedAt);
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['open-region', 'raise-cap']);
    expect(s.fakes.notifications().map((n) => n.event)).toEqual(
      expect.arrayContaining(['trigger-fired', 'rollback-started', 'rollback-finished']),
    );
    const activities = s.fakes.calls.map((c) => c.activity);
    expect(activities.lastIndexOf('sampleMetrics')).toBeLessThan(activities.indexOf('restoreAndVerifyStep'));
  });

  test('given onTrigger ask, when the trigger fires and the on-call accepts the risk, then the change completes with the trigger reported', async () => {
    const s = await saga(ts, 'trigger-accepted', { metrics: { errors: 'breach' } });
    const report = await s.run(observed({ onTrigger: 'ask' }), async () => {
      // Time moves only when the test says so: two samplings, five minutes apart, fire the trigger.
      await s.until((status) => status.phase === 'observing');
      await s.skip('15m');
      const question = await s.question('trigger');
      expect(question.options).toEqual(['rollback', 'accept']);
      await s.changes.decide(s.changeId, {
        decision: 'accept',
        actor: ONCALL,
        comment: 'errors come from a partner outage',
      });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('completed');
    expect(report.cause).toBeUndefined();
    expect(report.trigger).toMatchObject({ name: 'errors', consecutive: 2 });
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });

  test('given no traffic for the whole window and onInconclusive ask, when the window ends, then the change asks complete or roll back, and rolls back when told to', async () => {
    const s = await saga(ts, 'inconclusive', { metrics: { errors: 'no-traffic' } });
    const report = await s.run(observed({ onInconclusive: 'ask' }), async () => {
      await s.until((status) => status.phase === 'observing');
      await s.skip('1h');
      const question = await s.question('inconclusive');
      expect(question.options).toEqual(['complete', 'rollback']);
      const status = await s.changes.status(s.changeId);
      expect(status.phase).toBe('awaiting-decision');
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
      await s.changes.decide(s.changeId, { decision: 'rollback', actor: ONCALL });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ type: 'Inconclusive' });
    expect(report.observation!.outcome).toBe('inconclusive');
    expect(report.observation!.samples.every((sample) => sample.verdict === 'inconclusive')).toBe(true);
    expect(Date.parse(report.observation!.endedAt!) - Date.parse(report.observation!.startedAt)).toBeGreaterThanOrEqual(
      HOUR,
    );
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['open-region', 'raise-cap']);
  });

  test('given no traffic and onInconclusive ask, when nobody answers at any level, then the change completes by policy', async () => {
    const s = await saga(ts, 'inconclusive-lapsed', { metrics: { errors: 'no-traffic' } });
    const report = await s.run(observed({ onInconclusive: 'ask' }), () => s.changes.result(s.changeId));
    expect(report.phase).toBe('completed');
    expect(report.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(['observation inconclusive', 'escalated', 'escalation exhausted']),
    );
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });

  test('given a healthy error rate, when the hour passes, then the change completes having sampled the whole window, nothing restored', async () => {
    const s = await saga(ts, 'healthy');
    const report = await s.run(observed({ baselineWindow: '1h' }), () => s.changes.result(s.changeId));
    expect(report.phase).toBe('completed');
    expect(report.observation!.outcome).toBe('healthy');
    expect(report.observation!.baselines).toEqual([expect.objectContaining({ trigger: 'errors', value: 0.1 })]);
    expect(Date.parse(report.observation!.endedAt!) - Date.parse(report.observation!.startedAt)).toBeGreaterThanOrEqual(
      HOUR,
    );
    // One sampling for the baseline (before anything applies), then one every five minutes.
    const calls = s.fakes.calls.map((c) => c.activity);
    expect(calls.indexOf('sampleMetrics')).toBeLessThan(calls.indexOf('snapshotStep'));
    expect(calls.filter((c) => c === 'sampleMetrics').length).toBeGreaterThanOrEqual(1 + 12);
    expect(report.observation!.samples.every((sample) => sample.verdict === 'healthy')).toBe(true);
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual([]);
  });

  test('given a recovery window, when the metric still breaches after the rollback, then the validation fails and asks until someone acknowledges it', async () => {
    const s = await saga(ts, 'not-recovered', { metrics: { errors: 'breach' } });
    const report = await s.run(
      observed({ recoveryWindow: '10m' }, { escalation: { levels: twoLevels(), whenExhausted: 'hold' } }),
      async () => {
        // Fired after ten minutes, rolled back, then ten minutes of recovery window: all before the first deadline.
        await s.until((status) => status.phase === 'observing');
        await s.skip('30m');
        const question = await s.question('validation');
        expect(question.options).toEqual(['acknowledge']);
        await s.changes.decide(s.changeId, {
          decision: 'acknowledge',
          actor: ONCALL,
          comment: 'errors come from a partner outage',
        });
        return s.changes.result(s.changeId);
      },
    );
    expect(report.phase).toBe('rolled-back');
    expect(report.validation).toMatchObject({ ok: false, metrics: [{ trigger: 'errors', verdict: 'breach' }] });
    expect(report.validation!.targets.every((t) => t.ok)).toBe(true);
    expect(Date.parse(report.recovery!.validatedAt!) - Date.parse(report.recovery!.restoredAt)).toBeGreaterThanOrEqual(
      10 * 60_000,
    );
    expect(s.fakes.notifications().filter((n) => n.event === 'validation-failed')).toHaveLength(1);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { changeRequestSchema, type ChangeRequestInput } from '../../src/domain/change-request';
import { durationLimits } from '../../src/domain/durations';
import { eventCosts, estimateHistory, HISTORY_EVENT_BUDGET } from '../../src/domain/history-budget';
import { worstLockAttempts } from '../../src/domain/lock-polls';
import type { ChangeWorkflowInput } from '../../src/domain/status';

/** Every stored history of the change workflow (test/histories, older versions in sub-folders). */
const historiesDir = path.resolve(__dirname, '..', 'histories');
const histories = (fs.readdirSync(historiesDir, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    file,
    events: JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')).events as StoredEvent[],
  }))
  .filter(({ events }) => events[0]!.workflowExecutionStartedEventAttributes?.workflowType.name === 'changeWorkflow');

interface StoredEvent {
  eventType: string;
  workflowExecutionStartedEventAttributes?: { workflowType: { name: string }; input: { payloads: { data: string }[] } };
}

const inputOf = (events: StoredEvent[]): ChangeWorkflowInput =>
  JSON.parse(
    Buffer.from(events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!.data, 'base64').toString('utf8'),
  );
const count = (events: StoredEvent[], type: string) =>
  events.filter((e) => e.eventType === `EVENT_TYPE_${type}`).length;

const flowStep = (i: number) => ({
  id: `s${i}`,
  target: 'flow-config' as const,
  spec: { flowId: `flow-${i}`, patch: [{ op: 'replace' as const, path: '/pricing/cap', value: i }] },
});
const request = (overrides: Partial<ChangeRequestInput> = {}): ChangeRequestInput => ({
  title: 'Raise caps',
  requestedBy: 'ana@example.com',
  steps: [flowStep(0)],
  ...overrides,
});
const trigger = {
  name: 'errors',
  metric: { source: 'lead-events' as const, name: 'error-rate' as const },
  comparison: { kind: 'above' as const, threshold: 0.1 },
};
const observe = (bakeTime: string, interval: string, extra: Record<string, unknown> = {}) =>
  request({ policy: { observe: { bakeTime, interval, triggers: [trigger], ...extra } } });
const issues = (input: unknown) => {
  const result = changeRequestSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('history budget: the worst case of a request, counted before it starts', () => {
  test('given the stored histories, then every one has at least 30 of them to check against', () => {
    expect(histories.length).toBeGreaterThanOrEqual(30);
  });

  test.each(histories.map((h) => [h.file, h.events] as const))(
    'given the stored history %s, when its request is estimated, then the estimate is not below what it wrote',
    (_file, events) => {
      const { request: stored } = inputOf(events);
      expect(estimateHistory(stored).events).toBeGreaterThanOrEqual(events.length);
    },
  );

  test('given the stored histories, when their events are counted by kind, then each activity, timer and update woke at most one workflow task (the cost per unit the estimate uses)', () => {
    for (const { events } of histories) {
      const wakeUps =
        count(events, 'ACTIVITY_TASK_SCHEDULED') +
        count(events, 'TIMER_STARTED') +
        count(events, 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED') +
        count(events, 'WORKFLOW_EXECUTION_SIGNALED') +
        count(events, 'WORKFLOW_EXECUTION_CANCEL_REQUESTED') +
        1;
      // Workflow tasks that failed or timed out (a killed worker) are retried and counted apart from the budget.
      const tasks =
        count(events, 'WORKFLOW_TASK_COMPLETED') -
        count(events, 'WORKFLOW_TASK_FAILED') -
        count(events, 'WORKFLOW_TASK_TIMED_OUT');
      expect(tasks).toBeLessThanOrEqual(wakeUps);
    }
    expect(eventCosts.activity).toBe(3 + 3);
    expect(eventCosts.timer).toBe(2 + 3);
  });

  test('given a one-step change with the default policy, then it is far inside the budget', () => {
    const parsed = changeRequestSchema.parse(request());
    expect(estimateHistory(parsed).events).toBeLessThan(HISTORY_EVENT_BUDGET / 10);
  });

  test('given 100 flow-config steps with the default policy (the most steps a request may hold), then it still fits', () => {
    expect(issues(request({ steps: Array.from({ length: 100 }, (_, i) => flowStep(i)) }))).toEqual([]);
  });

  test('given an observation of two days sampled every second, then it is refused naming the interval, with the arithmetic', () => {
    expect(issues(observe('2d', '1s'))).toEqual([
      {
        path: 'policy.observe.interval',
        message: expect.stringMatching(
          /^worst case ≈ 1 9\d\d \d{3} history events, budget 9 000: bakeTime 2d \/ interval 1s = 172 800 samples × 11 events .* = 1 900 808/,
        ),
      },
    ]);
  });

  test('given a week of observation every 15 minutes, then it fits; every minute, then it does not', () => {
    expect(issues(observe('7d', '15m'))).toEqual([]);
    expect(issues(observe('7d', '1m'))[0]).toMatchObject({ path: 'policy.observe.interval' });
  });

  test('given ten escalation levels on every question of 50 steps asking on failure, then it is refused naming the levels', () => {
    const levels = Array.from({ length: 10 }, (_, i) => ({
      name: `l${i}`,
      deciders: { actors: [`d${i}@example.com`] },
      deadline: '1s',
    }));
    const found = issues(
      request({
        steps: Array.from({ length: 50 }, (_, i) => flowStep(i)),
        policy: { onStepFailure: 'ask', escalation: { levels, whenExhausted: 'hold' } },
      }),
    );
    expect(found).toEqual([
      { path: 'policy.escalation.levels', message: expect.stringContaining('escalation level(s)') },
    ]);
  });

  test('given a lock wait of a day, then its polls stay about twenty however long the wait', () => {
    expect(worstLockAttempts(3_600_000)).toBeLessThan(40);
    expect(worstLockAttempts(86_400_000)).toBeLessThan(40);
    expect(worstLockAttempts(1000)).toBeLessThan(5);
  });

  test.each([
    ['policy.observe.interval', observe('1h', '0ms')],
    ['policy.observe.interval', observe('1h', '999ms')],
    ['policy.observe.interval', observe('30d', '2d')],
    ['policy.observe.bakeTime', observe('31d', '1d')],
    ['policy.observe.bakeTime', observe('999999d', '1d')],
    ['policy.observe.baselineWindow', observe('1h', '1m', { baselineWindow: '999999d' })],
    ['policy.observe.recoveryWindow', observe('1h', '1m', { recoveryWindow: '2d' })],
    ['policy.observe.interval', observe('10s', '1m')],
    ['policy.observe.interval', observe('1h', 'every minute')],
    ['policy.observe.bakeTime', observe('1 hour', '1m')],
    ['policy.locks.maxWait', request({ policy: { locks: { onBusy: 'wait', maxWait: '0s' } } })],
    ['policy.locks.maxWait', request({ policy: { locks: { onBusy: 'wait', maxWait: '2d' } } })],
    [
      'policy.escalation.levels.0.deadline',
      request({
        policy: {
          onStepFailure: 'hold',
          escalation: { levels: [{ name: 'l', deciders: { actors: ['d@example.com'] }, deadline: '0ms' }] },
        },
      }),
    ],
    [
      'policy.escalation.levels.0.deadline',
      request({
        policy: {
          onStepFailure: 'hold',
          escalation: { levels: [{ name: 'l', deciders: { actors: ['d@example.com'] }, deadline: '31d' }] },
        },
      }),
    ],
  ])('given %s out of its range, then the request is refused naming it', (field, input) => {
    expect(issues(input).map((i) => i.path)).toContain(field);
  });

  test('given every duration at its documented minimum and maximum, then each is accepted', () => {
    const deadline = durationLimits['policy.escalation.levels.*.deadline'];
    for (const bound of ['min', 'max'] as const) {
      const limits = Object.fromEntries(Object.entries(durationLimits).map(([field, range]) => [field, range[bound]]));
      const input = request({
        policy: {
          onStepFailure: 'hold',
          escalation: { levels: [{ name: 'l', deciders: { actors: ['d@example.com'] }, deadline: deadline[bound] }] },
          locks: { onBusy: 'wait', maxWait: limits['policy.locks.maxWait']! },
          observe: {
            bakeTime: limits['policy.observe.bakeTime']!,
            interval: limits['policy.observe.interval']!,
            baselineWindow: limits['policy.observe.baselineWindow']!,
            recoveryWindow: limits['policy.observe.recoveryWindow']!,
            triggers: [trigger],
          },
        },
      });
      expect(issues(input)).toEqual([]);
    }
  });
});

import { changeRequestSchema } from '../../src/domain/change-request';
import { durationMs } from '../../src/domain/durations';
import { estimateHistory, HISTORY_EVENT_BUDGET } from '../../src/domain/history-budget';
import { worstLockAttempts } from '../../src/domain/lock-polls';
import { driveWorstPath } from './drive';
import { worstPathActivities, type WorstPath } from './fake-activities';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';
import { hostileRequest, largestAccepted, parsed, type Shape } from './worst-requests';

/** Temporal's history warning threshold; its hard limit (51 200) terminates the run. */
const TEMPORAL_HISTORY_WARNING = 10_240;

/**
 * The largest requests the history budget accepts, run whole on the time-skipping test server
 * down their most expensive path: their histories stay under Temporal's limits, and the estimate
 * the validator refused them by is never below what a real run writes.
 */
describe('history budget: the worst accepted policy stays under 10 240 events', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  const shapes: [name: string, grow: keyof Shape, from: Shape, max: number][] = [
    ['the longest observation (1 s samples of 20 triggers)', 'bakeSeconds', { steps: 3, bakeSeconds: 1 }, 100_000],
    ['the most steps (every one failing, retried, compensations failing)', 'steps', { steps: 1, bakeSeconds: 1 }, 100],
  ];

  test.each(shapes)('given %s, when one more unit is asked, then it is refused naming the field that costs most', (_name, grow, from, max) => {
    const { worst, overBudget } = largestAccepted(from, grow, max);
    const result = changeRequestSchema.safeParse(hostileRequest(overBudget));
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.message.includes('history events'))!;
    const largest = [...estimateHistory(parsed(worst)).parts].sort((a, b) => b.events - a.events)[0]!;
    expect(issue.path.join('.')).toBe(largest.path);
    expect(issue.message).toMatch(new RegExp(`budget ${HISTORY_EVENT_BUDGET.toLocaleString('en-US').replace(',', ' ')}`));
  });

  test.each(shapes)('given %s, when it runs its most expensive path, then its history stays within the estimate and under 10 240 events', async (name, grow, from, max) => {
    const { worst } = largestAccepted(from, grow, max);
    const request = parsed(worst);
    const estimate = estimateHistory(request);
    expect(estimate.events).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);

    const path: WorstPath = { lockMaxWaitMs: durationMs(request.policy.locks.maxWait), recovering: false, calls: {}, holding: new Map() };
    const { worker, taskQueue } = await ts.worker(worstPathActivities(path));
    const run = await worker.runUntil(driveWorstPath(ts.env, taskQueue, request, path));

    console.log(
      `worst accepted policy, ${name}: ${worst.steps} step(s), bake ${worst.bakeSeconds} s — estimate ${estimate.events}, ` +
        `history ${run.events} events (${(run.historyBytes / 1024).toFixed(0)} KiB) in ${(run.ms / 1000).toFixed(1)} s; ` +
        `parts ${JSON.stringify(Object.fromEntries(estimate.parts.map((p) => [p.path || 'bookkeeping', p.events])))}; ` +
        `events ${JSON.stringify(run.byType)}; activities ${JSON.stringify(path.calls)}; decisions ${JSON.stringify(run.decisions)}`,
    );
    expect(run.events).toBeLessThan(TEMPORAL_HISTORY_WARNING);
    expect(run.events).toBeLessThanOrEqual(estimate.events);

    // It really took the dearest path: the whole lock wait, the whole window, every retry, every question.
    expect(run.report.phase).toBe('rolled-back');
    expect(path.calls.acquireTargetLocks).toBeGreaterThanOrEqual(worstLockAttempts(path.lockMaxWaitMs) - 1);
    const observation = run.report.observation!;
    expect(observation.outcome).toBe('inconclusive');
    expect(Date.parse(observation.endedAt!) - Date.parse(observation.startedAt)).toBeGreaterThanOrEqual(durationMs(request.policy.observe!.bakeTime));
    // Each sampling takes a few real milliseconds, which the test server's clock counts too.
    expect(path.calls.sampleMetrics).toBeGreaterThanOrEqual(0.95 * worst.bakeSeconds);
    expect(run.decisions).toMatchObject({ approve: 2, retry: 3, 'retry-compensation': 3, rollback: 1, acknowledge: 1 });
    expect(run.report.steps.every((s) => s.resolvedManually !== undefined)).toBe(true);
    expect(run.report.validation?.ok).toBe(false);
  });
});

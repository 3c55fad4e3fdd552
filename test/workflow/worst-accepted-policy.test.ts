import { changeRequestSchema } from '../../src/domain/change-request';
import { durationMs } from '../../src/domain/durations';
import { estimateHistory, estimateHistoryBytes, HISTORY_EVENT_BUDGET } from '../../src/domain/history-budget';
import { worstLockAttempts } from '../../src/domain/lock-polls';
import { driveWorstPath } from './drive';
import { worstPathActivities, type WorstPath } from './fake-activities';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';
import { hostileRequest, largestAccepted, parsed, type NumericKey, type Shape } from './worst-requests';

/** Temporal's history warning thresholds (its hard limits, 51 200 events and 50 MiB, terminate the run). */
const TEMPORAL_HISTORY_WARNING = 10_240;
const TEMPORAL_HISTORY_BYTES_WARNING = 10 * 1024 * 1024;
/** Temporal refuses any one payload over this (the report is one). */
const TEMPORAL_BLOB_LIMIT = 2 * 1024 * 1024;

/**
 * The largest requests the history budget accepts, run whole on the time-skipping test server
 * down their most expensive path: their histories stay under Temporal's limits, and the estimate
 * the validator refused them by is never below what a real run writes.
 */
describe("history budget: the worst accepted policy stays under Temporal's limits (10 240 events, 10 MiB, 2 MiB a payload)", () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  const shapes: [name: string, grow: NumericKey, from: Shape, max: number][] = [
    ['the longest observation (1 s samples of 20 triggers)', 'bakeSeconds', { steps: 3, bakeSeconds: 1 }, 100_000],
    ['the most steps (every one failing, retried, compensations failing)', 'steps', { steps: 1, bakeSeconds: 1 }, 100],
    [
      'the longest texts (title, deciders, 4 000-character queries)',
      'actorsPerLevel',
      { steps: 3, bakeSeconds: 60, longText: true },
      50,
    ],
  ];

  test.each(shapes)(
    'given %s, when one more unit is asked, then it is refused naming the field that costs most',
    (_name, grow, from, max) => {
      const { overBudget } = largestAccepted(from, grow, max);
      const result = changeRequestSchema.safeParse(hostileRequest(overBudget));
      expect(result.success).toBe(false);
      const issue = result.error!.issues.find((i) => i.message.startsWith('worst case'))!;
      const events = estimateHistory(hostileRequest(overBudget) as never);
      if (events.events > HISTORY_EVENT_BUDGET) {
        expect(issue.path.join('.')).toBe([...events.parts].sort((a, b) => b.events - a.events)[0]!.path);
        expect(issue.message).toContain(
          `history events, budget ${HISTORY_EVENT_BUDGET.toLocaleString('en-US').replace(',', ' ')}`,
        );
      } else {
        const bytes = estimateHistoryBytes(hostileRequest(overBudget) as never);
        expect(issue.message).toMatch(/of history, budget|its report/);
        expect(issue.path.join('.')).toBe(
          [...bytes.parts].filter((p) => p.path).sort((a, b) => b.bytes - a.bytes)[0]!.path,
        );
      }
    },
  );

  test.each(shapes)(
    "given %s, when it runs its most expensive path, then its history stays within the estimate and under Temporal's limits",
    async (name, grow, from, max) => {
      const { worst } = largestAccepted(from, grow, max);
      const request = parsed(worst);
      const estimate = estimateHistory(request);
      const bytes = estimateHistoryBytes(request);
      expect(estimate.events).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);

      const path: WorstPath = {
        lockMaxWaitMs: durationMs(request.policy.locks.maxWait),
        recovering: false,
        calls: {},
        holding: new Map(),
      };
      const { worker, taskQueue } = await ts.worker(worstPathActivities(path));
      const run = await worker.runUntil(driveWorstPath(ts, taskQueue, request, path));

      console.log(
        `worst accepted policy, ${name}: ${JSON.stringify(worst)} — estimate ${estimate.events} events, ${(bytes.bytes / 1024).toFixed(0)} KiB (report ${(bytes.reportBytes / 1024).toFixed(0)} KiB); ` +
          `history ${run.events} events (${(run.historyBytes / 1024).toFixed(0)} KiB, largest event ${(run.largestEventBytes / 1024).toFixed(0)} KiB) in ${(run.ms / 1000).toFixed(1)} s; ` +
          `parts ${JSON.stringify(Object.fromEntries(estimate.parts.map((p) => [p.path || 'bookkeeping', p.events])))}; ` +
          `events ${JSON.stringify(run.byType)}; activities ${JSON.stringify(path.calls)}; decisions ${JSON.stringify(run.decisions)}`,
      );
      expect(run.events).toBeLessThan(TEMPORAL_HISTORY_WARNING);
      expect(run.events).toBeLessThanOrEqual(estimate.events);
      expect(run.historyBytes).toBeLessThan(TEMPORAL_HISTORY_BYTES_WARNING);
      expect(run.historyBytes).toBeLessThanOrEqual(bytes.bytes);
      expect(run.largestEventBytes).toBeLessThan(TEMPORAL_BLOB_LIMIT);
      expect(run.largestEventBytes).toBeLessThanOrEqual(bytes.reportBytes);

      // It really took the dearest path: the whole lock wait, the whole window, every retry, every question.
      expect(run.report.phase).toBe('rolled-back');
      expect(path.calls.acquireTargetLocks).toBeGreaterThanOrEqual(worstLockAttempts(path.lockMaxWaitMs) - 1);
      const observation = run.report.observation!;
      expect(observation.outcome).toBe('inconclusive');
      expect(Date.parse(observation.endedAt!) - Date.parse(observation.startedAt)).toBeGreaterThanOrEqual(
        durationMs(request.policy.observe!.bakeTime),
      );
      // Each sampling takes a few real milliseconds, which the test server's clock counts too.
      expect(path.calls.sampleMetrics).toBeGreaterThanOrEqual(0.95 * worst.bakeSeconds);
      expect(run.decisions).toMatchObject({
        approve: 2,
        retry: 3,
        'retry-compensation': 3,
        rollback: 1,
        acknowledge: 1,
      });
      expect(run.decisions).toMatchObject({ 'refused retry': 1, 'refused hold': 1, 'refused retry-compensation': 1 });
      expect(run.report.steps.every((s) => s.resolvedManually !== undefined)).toBe(true);
      expect(run.report.validation?.ok).toBe(false);
    },
  );
});

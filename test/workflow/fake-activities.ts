import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import { ErrorType } from '../../src/domain/errors';
import type { MetricSample } from '../../src/domain/metrics';
import type { NotificationEvent } from '../../src/domain/notifications';
import type { Trigger } from '../../src/domain/observation';
import type { PendingQuestion } from '../../src/domain/status';

/** The activities the change workflow calls; the fakes implement exactly these, typed by the real ones. */
export type SagaActivities = Pick<
  Activities,
  | 'checkPolicyFloor'
  | 'saveChangeRequest'
  | 'acquireTargetLocks'
  | 'releaseTargetLocks'
  | 'snapshotStep'
  | 'applyStep'
  | 'verifyStep'
  | 'applyAndVerifyStep'
  | 'restoreStep'
  | 'verifyRestoreStep'
  | 'restoreAndVerifyStep'
  | 'notify'
  | 'sampleMetric'
  | 'sampleMetrics'
  | 'saveReport'
>;

export interface WorstPath {
  /** The lock is busy until the change's wait is about to run out. */
  lockMaxWaitMs: number;
  /** Set once the rollback has been decided: from then on the metrics breach (the recovery window fails). */
  recovering: boolean;
  calls: Record<string, number>;
  /**
   * Questions that hold (no deadline, hence no timer), as their notification announced them: the
   * notification stays in flight until the driver has answered, because the test server skips
   * time while nothing runs — with no timer left it would skip to the end of the run.
   */
  holding: Map<string, { question: PendingQuestion; release: () => void }>;
}

const refused = (what: string) =>
  ApplicationFailure.nonRetryable(`fake partner refused the ${what}`, ErrorType.PartnerRejected);

/**
 * Fakes that drive the change workflow down its most expensive path: the lock is busy for the
 * whole wait, every apply and every restore fails, every metric sample has no data (the window
 * ends inconclusive) until the rollback, after which every sample breaches.
 */
export function worstPathActivities(path: WorstPath): SagaActivities {
  let firstLockAttemptAt: number | undefined;
  const count = <T>(name: keyof SagaActivities, value: () => T): T => {
    path.calls[name] = (path.calls[name] ?? 0) + 1;
    return value();
  };
  const samples = (n: number) =>
    Array.from({ length: n }, () => (path.recovering ? { value: 1, samples: 100 } : { value: null, samples: 0 }));
  return {
    // The worker's floor holds nothing against the request (the client tightened it already).
    checkPolicyFloor: async () =>
      count('checkPolicyFloor', () => ({
        floor: { name: 'built-in', source: 'built-in', rules: [], breakGlassGroups: ['admin'] },
        violations: [],
      })),
    saveChangeRequest: async () => count('saveChangeRequest', () => undefined),
    acquireTargetLocks: async ({ keys }) =>
      count('acquireTargetLocks', () => {
        // Workflow time (the test server skips it): busy until the last attempt before the deadline.
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        firstLockAttemptAt ??= at;
        return at - firstLockAttemptAt < path.lockMaxWaitMs - 1000
          ? { acquired: false as const, key: keys[0]!, holder: 'another-change' }
          : { acquired: true as const };
      }),
    releaseTargetLocks: async () => count('releaseTargetLocks', () => undefined),
    snapshotStep: async ({ step }) =>
      count('snapshotStep', () => ({
        id: `rp-${step.id}`,
        target: step.target,
        purpose: 'before-apply' as const,
        checksum: '0'.repeat(64),
        summary: `${step.id} as it was`,
        capturedAt: new Date().toISOString(),
      })),
    applyStep: async () => count('applyStep', () => Promise.reject(refused('apply'))),
    verifyStep: async () => count('verifyStep', () => undefined),
    applyAndVerifyStep: async () => count('applyAndVerifyStep', () => Promise.reject(refused('apply'))),
    restoreStep: async () => count('restoreStep', () => Promise.reject(refused('restore'))),
    verifyRestoreStep: async () => count('verifyRestoreStep', () => Promise.reject(refused('check'))),
    restoreAndVerifyStep: async () => count('restoreAndVerifyStep', () => Promise.reject(refused('restore'))),
    notify: async ({ question }) =>
      count('notify', () =>
        question?.mode === 'hold'
          ? new Promise<void>((release) => path.holding.set(question.id, { question, release }))
          : undefined,
      ),
    sampleMetric: async () => count('sampleMetric', () => samples(1)[0]!),
    sampleMetrics: async ({ triggers }) => count('sampleMetrics', () => samples(triggers.length)),
    saveReport: async () => count('saveReport', () => undefined),
  };
}

/** One call a fake took, in the order the workflow made them. */
export interface FakeCall {
  activity: keyof SagaActivities;
  stepId?: string;
  /** For `notify`: the event, its channels and the question it announces. */
  event?: NotificationEvent;
  channels?: string[];
  question?: PendingQuestion;
}

/** What one trigger's metric shows: the same every sampling, or chosen by the sampling's number (0 first). */
export type MetricScript =
  'healthy' | 'breach' | 'no-traffic' | ((sampling: number) => 'healthy' | 'breach' | 'no-traffic');

/**
 * How the targets and metrics behave; everything not named works. Every failure is permanent
 * (non-retryable), so each call is one decision point of the saga and Temporal's own retries,
 * which are the SDK's business, stay out of these tests.
 */
export interface SagaScript {
  /** Steps whose apply fails, with how many of their calls fail (`Infinity`: every one). */
  failApply?: Record<string, number>;
  /** Steps whose restore fails, with how many of their calls fail before one restores. */
  failRestore?: Record<string, number>;
  /** Steps whose restore finds the target changed after the apply (a conflict, nothing restored). */
  conflictOnRestore?: string[];
  /** Trigger name → what its metric shows; a trigger not named is healthy. */
  metrics?: Record<string, MetricScript>;
  /** Awaited before a call is answered (after it is recorded): lets a test hold the saga inside an activity. */
  before?: (call: FakeCall) => Promise<void> | void;
}

export interface SagaFakes {
  activities: SagaActivities;
  /** Every call, in order. */
  calls: FakeCall[];
  /** The step ids of one activity's calls, in order. */
  steps(activity: keyof SagaActivities): (string | undefined)[];
  /** The notifications sent, in order. */
  notifications(): FakeCall[];
  /** A person puts the step's target back themselves (what they say when they answer `resolved-manually`). */
  undoByHand(stepId: string): void;
}

const healthyFloor = { name: 'built-in', source: 'built-in' as const, rules: [], breakGlassGroups: ['admin'] };

/** Twice or half the trigger's threshold, whichever side `shows` asks for, with traffic enough to judge it. */
function sampleFor(trigger: Trigger, shows: 'healthy' | 'breach' | 'no-traffic'): MetricSample {
  if (shows === 'no-traffic') return { value: null, samples: 0 };
  const c = trigger.comparison;
  if ((c.kind !== 'above' && c.kind !== 'below') || c.threshold <= 0)
    throw new Error(`the fake metrics judge positive thresholds only, not ${JSON.stringify(c)}`);
  const high = (shows === 'breach') === (c.kind === 'above');
  return { value: high ? c.threshold * 2 : c.threshold / 2, samples: 1000 };
}

/**
 * Fakes for the whole saga that behave like the real adapters where the workflow relies on it: a
 * recovery point per step, a restore of a step whose apply never succeeded reports `not-applied`,
 * and a restored step verifies against its recovery point.
 */
export function sagaFakes(script: SagaScript = {}): SagaFakes {
  const calls: FakeCall[] = [];
  const applied = new Set<string>();
  const failures = { apply: new Map<string, number>(), restore: new Map<string, number>() };
  const samplings = new Map<string, number>();
  const take = async <T>(call: FakeCall, answer: () => T): Promise<Awaited<T>> => {
    calls.push(call);
    await script.before?.(call);
    return await answer();
  };
  /** Whether this call of the step's verb is one of the failing ones. */
  const fails = (verb: 'apply' | 'restore', stepId: string): boolean => {
    const failing = (verb === 'apply' ? script.failApply : script.failRestore)?.[stepId] ?? 0;
    const failed = failures[verb].get(stepId) ?? 0;
    if (failed >= failing) return false;
    failures[verb].set(stepId, failed + 1);
    return true;
  };
  const permanent = (what: string, stepId: string) =>
    ApplicationFailure.nonRetryable(`fake target refused the ${what} of ${stepId}`, ErrorType.InvalidStep);
  const apply =
    (activity: 'applyStep' | 'applyAndVerifyStep'): SagaActivities['applyStep'] =>
    ({ step }) =>
      take({ activity, stepId: step.id }, () => {
        if (fails('apply', step.id)) throw permanent('apply', step.id);
        applied.add(step.id);
        return { status: 'applied' as const, summary: `${step.id} applied` };
      });
  const restore =
    (activity: 'restoreStep' | 'restoreAndVerifyStep'): SagaActivities['restoreStep'] =>
    ({ step }) =>
      take({ activity, stepId: step.id }, () => {
        if (!applied.has(step.id)) return { status: 'not-applied' as const, summary: `${step.id} was never applied` };
        if (fails('restore', step.id)) throw permanent('restore', step.id);
        const recoveryPointId = `rp-${step.id}`;
        if (script.conflictOnRestore?.includes(step.id)) {
          // The later edit replaced what the step wrote: nothing of the step is left to check.
          applied.delete(step.id);
          return {
            status: 'conflict' as const,
            summary: `${step.id} was edited after the apply`,
            recoveryPointId,
            conflicts: { count: 1, sample: [{ item: step.id, before: 1, written: 2, now: 3 }] },
          };
        }
        applied.delete(step.id);
        return { status: 'restored' as const, summary: `${step.id} restored`, recoveryPointId };
      });
  const sample = (trigger: Trigger): MetricSample => {
    const n = samplings.get(trigger.name) ?? 0;
    samplings.set(trigger.name, n + 1);
    const shows = script.metrics?.[trigger.name] ?? 'healthy';
    return sampleFor(trigger, typeof shows === 'function' ? shows(n) : shows);
  };
  const activities: SagaActivities = {
    checkPolicyFloor: () => take({ activity: 'checkPolicyFloor' }, () => ({ floor: healthyFloor, violations: [] })),
    saveChangeRequest: () => take({ activity: 'saveChangeRequest' }, () => undefined),
    acquireTargetLocks: () => take({ activity: 'acquireTargetLocks' }, () => ({ acquired: true as const })),
    releaseTargetLocks: () => take({ activity: 'releaseTargetLocks' }, () => undefined),
    snapshotStep: ({ step }) =>
      take({ activity: 'snapshotStep', stepId: step.id }, () => ({
        id: `rp-${step.id}`,
        target: step.target,
        purpose: 'before-apply' as const,
        checksum: '0'.repeat(64),
        summary: `${step.id} as it was`,
        capturedAt: new Date().toISOString(),
      })),
    // lead-data steps apply and verify in two activities, the other kinds in one.
    applyStep: apply('applyStep'),
    verifyStep: ({ step }) => take({ activity: 'verifyStep', stepId: step.id }, () => undefined),
    applyAndVerifyStep: apply('applyAndVerifyStep'),
    restoreStep: restore('restoreStep'),
    verifyRestoreStep: ({ step }) =>
      take({ activity: 'verifyRestoreStep', stepId: step.id }, () => {
        if (applied.has(step.id)) throw permanent('check of the restore', step.id);
      }),
    restoreAndVerifyStep: restore('restoreAndVerifyStep'),
    notify: ({ event, channels, question }) => take({ activity: 'notify', event, channels, question }, () => undefined),
    sampleMetric: ({ trigger }) => take({ activity: 'sampleMetric' }, () => sample(trigger)),
    sampleMetrics: ({ triggers }) => take({ activity: 'sampleMetrics' }, () => triggers.map(sample)),
    saveReport: () => take({ activity: 'saveReport' }, () => undefined),
  };
  return {
    activities,
    calls,
    steps: (activity) => calls.filter((c) => c.activity === activity).map((c) => c.stepId),
    notifications: () => calls.filter((c) => c.activity === 'notify'),
    undoByHand: (stepId) => applied.delete(stepId),
  };
}

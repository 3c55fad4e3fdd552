import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import { ErrorType } from '../../src/domain/errors';
import type { PendingQuestion } from '../../src/domain/status';

/** The activities the change workflow calls; the fakes implement exactly these, typed by the real ones. */
type SagaActivities = Pick<
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

const refused = (what: string) => ApplicationFailure.nonRetryable(`fake partner refused the ${what}`, ErrorType.PartnerRejected);

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
  const samples = (n: number) => Array.from({ length: n }, () => (path.recovering ? { value: 1, samples: 100 } : { value: null, samples: 0 }));
  return {
    // The worker's floor holds nothing against the request (the client tightened it already).
    checkPolicyFloor: async () => count('checkPolicyFloor', () => ({ floor: { name: 'built-in', source: 'built-in', rules: [], breakGlassGroups: ['admin'] }, violations: [] })),
    saveChangeRequest: async () => count('saveChangeRequest', () => undefined),
    acquireTargetLocks: async ({ keys }) =>
      count('acquireTargetLocks', () => {
        // Workflow time (the test server skips it): busy until the last attempt before the deadline.
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        firstLockAttemptAt ??= at;
        return at - firstLockAttemptAt < path.lockMaxWaitMs - 1000 ? { acquired: false as const, key: keys[0]!, holder: 'another-change' } : { acquired: true as const };
      }),
    releaseTargetLocks: async () => count('releaseTargetLocks', () => undefined),
    snapshotStep: async ({ step }) =>
      count('snapshotStep', () => ({ id: `rp-${step.id}`, target: step.target, purpose: 'before-apply' as const, checksum: '0'.repeat(64), summary: `${step.id} as it was`, capturedAt: new Date().toISOString() })),
    applyStep: async () => count('applyStep', () => Promise.reject(refused('apply'))),
    verifyStep: async () => count('verifyStep', () => undefined),
    applyAndVerifyStep: async () => count('applyAndVerifyStep', () => Promise.reject(refused('apply'))),
    restoreStep: async () => count('restoreStep', () => Promise.reject(refused('restore'))),
    verifyRestoreStep: async () => count('verifyRestoreStep', () => Promise.reject(refused('check'))),
    restoreAndVerifyStep: async () => count('restoreAndVerifyStep', () => Promise.reject(refused('restore'))),
    notify: async ({ question }) =>
      count('notify', () => (question?.mode === 'hold' ? new Promise<void>((release) => path.holding.set(question.id, { question, release })) : undefined)),
    sampleMetric: async () => count('sampleMetric', () => samples(1)[0]!),
    sampleMetrics: async ({ triggers }) => count('sampleMetrics', () => samples(triggers.length)),
    saveReport: async () => count('saveReport', () => undefined),
  };
}

import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChangeRun } from './change-run';
import { bookkeepingActivityOptions } from './activity-options';
import { durationMs } from '../domain/durations';
import { FIRST_LOCK_POLL_MS, nextLockPollMs } from '../domain/lock-polls';

const bookkeeping = proxyActivities<Activities>(bookkeepingActivityOptions);

const defaults = { onBusy: 'wait', maxWait: '1h' } as const;

/**
 * Takes the change's target locks before anything is applied. When another change holds one, the
 * change waits (phase `waiting-for-lock`, retrying on durable timers with backoff up to 10 s, or up to
 * maxWait / 20 for longer waits: src/domain/lock-polls.ts) until
 * `maxWait`, or is refused at once with `onBusy: refuse`. A lock is released only by the workflow
 * that holds it, so a dead worker never frees a lock early and a lock never goes stale by TTL.
 */
export async function lockTargets(run: ChangeRun, keys: string[]): Promise<boolean> {
  const { onBusy, maxWait } = run.input.request.policy.locks ?? defaults;
  const maxWaitMs = durationMs(maxWait);
  const deadline = Date.now() + maxWaitMs;
  let delay = FIRST_LOCK_POLL_MS;
  let waitingFor: string | undefined;
  for (;;) {
    const attempt = await bookkeeping.acquireTargetLocks.executeWithOptions({ ...bookkeepingActivityOptions, summary: `lock ${keys.join(', ')}` }, [{ changeId: run.changeId, keys }]);
    if (attempt.acquired) {
      run.heldLocks = keys;
      run.tracker.record('target locks taken', { detail: keys.join(', ') });
      return true;
    }
    const busy = `${attempt.key} is held by change ${attempt.holder}`;
    if (onBusy === 'refuse' || Date.now() >= deadline) {
      run.cause = { type: onBusy === 'refuse' ? 'TargetLocked' : 'LockTimeout', message: onBusy === 'refuse' ? busy : `${busy} for longer than ${maxWait}` };
      run.tracker.setPhase('rejected', run.cause.message);
      return false;
    }
    if (waitingFor !== busy) {
      waitingFor = busy;
      run.tracker.setPhase('waiting-for-lock', busy);
      run.tracker.record('waiting for lock', { detail: busy });
    }
    if (await condition(() => run.rollbackRequest !== undefined, Math.min(delay, Math.max(1, deadline - Date.now())))) {
      run.causeFromRollbackRequest();
      run.tracker.setPhase('rolled-back', 'rollback requested before anything was applied');
      return false;
    }
    // Under the history budget the polls spread over the wait (about 20 whatever its length).
    delay = run.budgeted ? nextLockPollMs(delay, maxWaitMs) : Math.min(delay * 2, 10_000);
  }
}

export async function releaseTargetLocks(run: ChangeRun): Promise<void> {
  if (run.heldLocks.length === 0) return;
  await bookkeeping.releaseTargetLocks.executeWithOptions({ ...bookkeepingActivityOptions, summary: 'release target locks' }, [{ changeId: run.changeId, keys: run.heldLocks }]);
  run.tracker.record('target locks released', { detail: run.heldLocks.join(', ') });
}

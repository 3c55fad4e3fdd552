import { condition } from '@temporalio/workflow';
import { bookkeeping, bookkeepingOptions } from './activity-proxies';
import { CauseType, type RunCause } from '../domain/causes';
import { durationMs } from '../domain/durations';
import { FIRST_LOCK_POLL_MS, nextLockPollMs } from '../domain/lock-polls';
import type { RunScope } from './run-scope';

const defaults = { onBusy: 'wait', maxWait: '1h' } as const;

/** How taking the locks ended: taken, refused (busy and `onBusy: refuse`, or busy past `maxWait`), or interrupted. */
export type LockOutcome = { taken: true } | { refused: RunCause } | { interrupted: true };

/**
 * Takes a run's target locks before anything is applied, for `holder` (the change, or the
 * roll-back-later). When another run holds one, this one waits (phase `waiting-for-lock`, retrying
 * on durable timers with backoff up to 10 s, or up to maxWait / 20 for longer waits:
 * src/domain/lock-polls.ts) until `maxWait`, or is refused at once with `onBusy: refuse`. A lock
 * is released only by the workflow that holds it, so a dead worker never frees a lock early and a
 * lock never goes stale by TTL. `interrupted` (a manual rollback request) ends the wait.
 */
export async function lockTargets(
  scope: RunScope,
  holder: string,
  keys: string[],
  interrupted: () => boolean,
): Promise<LockOutcome> {
  const { onBusy, maxWait } = scope.request.policy.locks ?? defaults;
  const maxWaitMs = durationMs(maxWait);
  const deadline = Date.now() + maxWaitMs;
  let delay = FIRST_LOCK_POLL_MS;
  let waitingFor: string | undefined;
  for (;;) {
    const attempt = await bookkeeping.acquireTargetLocks.executeWithOptions(
      bookkeepingOptions(`lock ${keys.join(', ')}`),
      [{ changeId: holder, keys }],
    );
    if (attempt.acquired) {
      scope.tracker.record('target locks taken', { detail: keys.join(', ') });
      return { taken: true };
    }
    const busy = `${attempt.key} is held by change ${attempt.holder}`;
    if (onBusy === 'refuse') return { refused: { type: CauseType.TargetLocked, message: busy } };
    if (Date.now() >= deadline)
      return { refused: { type: CauseType.LockTimeout, message: `${busy} for longer than ${maxWait}` } };
    if (waitingFor !== busy) {
      waitingFor = busy;
      scope.tracker.setPhase('waiting-for-lock', busy);
      scope.tracker.record('waiting for lock', { detail: busy });
    }
    if (await condition(interrupted, Math.min(delay, Math.max(1, deadline - Date.now())))) return { interrupted: true };
    // Under the history budget the polls spread over the wait (about 20 whatever its length).
    delay = scope.budgeted ? nextLockPollMs(delay, maxWaitMs) : Math.min(delay * 2, 10_000);
  }
}

/** Lets go of what `holder` holds among `keys`. */
export async function releaseTargetLocks(scope: RunScope, holder: string, keys: string[]): Promise<void> {
  await bookkeeping.releaseTargetLocks.executeWithOptions(bookkeepingOptions('release target locks'), [
    { changeId: holder, keys },
  ]);
  scope.tracker.record('target locks released', { detail: keys.join(', ') });
}

/**
 * How a change waiting for another change's target locks polls: 500 ms, doubling, up to a cap
 * that grows with `maxWait`, so a wait of any accepted length costs at most about
 * LOCK_POLLS_PER_WAIT attempts (each attempt is an activity and a timer in the history). Pure, so
 * the workflow and the history budget share it.
 */
export const FIRST_LOCK_POLL_MS = 500;
/** Waits up to this long poll every 10 s at most, as before the history budget. */
const SHORT_WAIT_CAP_MS = 10_000;
export const LOCK_POLLS_PER_WAIT = 20;

export function lockPollCapMs(maxWaitMs: number): number {
  return Math.max(SHORT_WAIT_CAP_MS, Math.ceil(maxWaitMs / LOCK_POLLS_PER_WAIT));
}

export function nextLockPollMs(delayMs: number, maxWaitMs: number): number {
  return Math.min(delayMs * 2, lockPollCapMs(maxWaitMs));
}

/** The most attempts a wait of `maxWaitMs` can make: every attempt instant, the last one at the deadline. */
export function worstLockAttempts(maxWaitMs: number): number {
  let attempts = 1;
  let waited = 0;
  let delay = FIRST_LOCK_POLL_MS;
  while (waited < maxWaitMs) {
    waited += Math.min(delay, Math.max(1, maxWaitMs - waited));
    attempts += 1;
    delay = nextLockPollMs(delay, maxWaitMs);
  }
  return attempts;
}

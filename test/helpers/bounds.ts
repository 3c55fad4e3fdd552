/**
 * Bounds on the waits of tests that run against real servers. None of them is a speed assertion:
 * each lies far above what the wait takes on a busy 2-core machine (load 10), so only a real hang
 * reaches it. Speed is measured in `bench/`, never asserted by a timeout.
 */

/** One awaited event: a phase, a question, a request reaching a peer, a CLI run. */
export const EVENT_BOUND_MS = 5 * 60_000;

/** One test (several events in sequence). */
export const TEST_BOUND_MS = 15 * 60_000;

import { Context } from '@temporalio/activity';
import type { Step } from '../domain/change-request';

/** Often enough for a 10 s heartbeat timeout even on a busy worker (the SDK throttles beats anyway). */
const BEAT_EVERY_MS = 2_000;

/**
 * Heartbeats while a step verb runs, so when the worker dies the attempt is retried after the
 * heartbeat timeout (about 10 s) rather than after its whole start-to-close timeout (up to a
 * minute for partner APIs). `lead-data` is left alone: it heartbeats per chunk with the progress a
 * retried attempt resumes from, which an empty beat would overwrite. Outside an activity (scripts,
 * unit tests) it just runs the work.
 */
export async function keepAlive<T>(step: Step, work: () => Promise<T>): Promise<T> {
  const context = currentActivityContext();
  if (!context || step.target === 'lead-data') return work();
  const timer = setInterval(() => context.heartbeat(), BEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The running activity's context, or undefined outside an activity (a script, a unit test). */
export function currentActivityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

import { CancelledFailure } from '@temporalio/common';
import { currentActivityContext } from '../../keep-alive';

/**
 * Heartbeats for long activities. Outside an activity (a script, a unit test) it does nothing, so
 * adapters stay callable anywhere; inside one, `resumeFrom` is what the last attempt reported, and
 * a beat after the activity was cancelled stops it there (the next attempt resumes from the beat).
 */
export interface Progress<D> {
  resumeFrom: D | undefined;
  beat(details: D): void;
}

export function activityProgress<D>(): Progress<D> {
  const context = currentActivityContext();
  return {
    resumeFrom: context?.info.heartbeatDetails as D | undefined,
    beat: (details) => {
      if (!context) return;
      context.heartbeat(details);
      if (context.cancellationSignal.aborted) throw new CancelledFailure('activity cancelled between chunks');
    },
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Groups an async stream (e.g. a MongoDB cursor) into arrays of at most `size`; memory stays bounded. */
export async function* inChunks<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of source) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

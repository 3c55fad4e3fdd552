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

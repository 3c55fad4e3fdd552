import { z } from 'zod';
import { DURATION_PATTERN, durationLimits, durationMs, type DurationField } from './durations';

const format = 'must be a duration such as 30s, 15m, 2h or 1d';

/** A policy duration: whole units of ms, s, m, h or d (what Temporal timers and `condition` take). */
export const durationSchema = z.string().regex(DURATION_PATTERN, format);

/** A policy duration within the range documented for its field (durationLimits). */
export function boundedDuration(field: DurationField) {
  const { min, max } = durationLimits[field];
  return (
    durationSchema
      // A malformed value is already refused by the pattern (zod still runs the refinement on it).
      .refine(
        (value) =>
          !DURATION_PATTERN.test(value) ||
          (durationMs(value) >= durationMs(min) && durationMs(value) <= durationMs(max)),
        `must be from ${min} to ${max}`,
      )
      .meta({ description: `A duration from ${min} to ${max}, e.g. 30s, 15m, 2h or 1d.` })
  );
}

import { z } from 'zod';

/** A policy duration: whole units of ms, s, m, h or d (what Temporal timers and `condition` take). */
export const durationSchema = z.string().regex(/^\d{1,6}(ms|s|m|h|d)$/, 'must be a duration such as 30s, 15m, 2h or 1d');

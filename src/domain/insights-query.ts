import { z } from 'zod';
import { periodKinds, periodsBetween, type PeriodKind } from './periods';
import { targetKinds, type TargetKind } from './targets/index';

/** At most this many periods per answer: a year by day, or decades by month. */
export const MAX_INSIGHT_PERIODS = 400;

/** When `from` is not given: this long before `to`. */
export const DEFAULT_INSIGHT_RANGE_DAYS = 90;

const instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('An ISO 8601 date (UTC midnight) or timestamp');

/**
 * What the insights are asked for: a time range over when changes settled (`[from, to)`), the
 * period to group by, and optionally one target kind. `to` defaults to now and `from` to
 * DEFAULT_INSIGHT_RANGE_DAYS before it; the range must hold at most MAX_INSIGHT_PERIODS periods.
 */
export const insightsQuerySchema = z
  .strictObject({
    from: instant.optional().describe('Start of the range, inclusive (default: 90 days before `to`)'),
    to: instant.optional().describe('End of the range, exclusive (default: now)'),
    period: z.enum(periodKinds).default('week').describe('Group by UTC day, ISO week (Monday first) or month'),
    targetKind: z
      .enum(targetKinds as [TargetKind, ...TargetKind[]])
      .optional()
      .describe('Only changes with a step of this target kind'),
  })
  .superRefine((query, ctx) => {
    const { from, to } = rangeOf(query, Date.now());
    if (from >= to) {
      ctx.addIssue({ code: 'custom', path: [query.to ? 'to' : 'from'], message: 'must be after `from`' });
      return;
    }
    const periods = periodsBetween(from, to, query.period ?? 'week', MAX_INSIGHT_PERIODS + 1).length;
    if (periods > MAX_INSIGHT_PERIODS)
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `the range holds more than ${MAX_INSIGHT_PERIODS} ${query.period ?? 'week'} periods: narrow it or choose a longer period`,
      });
  });

export type InsightsQuery = z.input<typeof insightsQuerySchema>;

/** A validated query with its range resolved. */
export interface InsightsRange {
  from: Date;
  to: Date;
  period: PeriodKind;
  targetKind?: TargetKind;
}

function rangeOf(query: { from?: string; to?: string }, nowMs: number): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date(nowMs);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_INSIGHT_RANGE_DAYS * 86_400_000);
  return { from, to };
}

/** The range a parsed query asks for, `now` filling in what it leaves out. */
export function insightsRange(query: z.output<typeof insightsQuerySchema>, now: Date): InsightsRange {
  return {
    ...rangeOf(query, now.getTime()),
    period: query.period,
    ...(query.targetKind ? { targetKind: query.targetKind } : {}),
  };
}

/**
 * Calendar periods in UTC, as the insights group reports by them: a day (`2026-03-02`), an ISO
 * week (`2026-W10`: weeks start on Monday, and week 1 holds the year's first Thursday, so
 * 2024-12-30 is in `2025-W01`) or a month (`2026-03`). Keys sort as text in time order.
 */
export const periodKinds = ['day', 'week', 'month'] as const;
export type PeriodKind = (typeof periodKinds)[number];

const DAY_MS = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The UTC midnight that starts the day of `at`. */
function startOfDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** The Monday (UTC midnight) that starts the ISO week of `at`. */
function startOfIsoWeek(at: Date): Date {
  const day = startOfDay(at);
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(day.getTime() - weekday * DAY_MS);
}

/** ISO week-year and week number: the week's Thursday decides the year. */
function isoWeek(at: Date): { year: number; week: number } {
  const thursday = new Date(startOfIsoWeek(at).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursdayWeek = startOfIsoWeek(new Date(Date.UTC(year, 0, 4)));
  return { year, week: Math.round((startOfIsoWeek(at).getTime() - firstThursdayWeek.getTime()) / (7 * DAY_MS)) + 1 };
}

/** The key of the period `at` falls in. */
export function periodKey(at: Date, kind: PeriodKind): string {
  if (kind === 'day') return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
  if (kind === 'month') return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
  const { year, week } = isoWeek(at);
  return `${year}-W${pad(week)}`;
}

/** Every period key of `at`, as stored on a report's insight facts. */
export function periodKeys(at: Date): Record<PeriodKind, string> {
  return { day: periodKey(at, 'day'), week: periodKey(at, 'week'), month: periodKey(at, 'month') };
}

/** Where the period containing `at` starts (UTC). */
export function periodStart(at: Date, kind: PeriodKind): Date {
  if (kind === 'day') return startOfDay(at);
  if (kind === 'week') return startOfIsoWeek(at);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** Where the period after the one starting at `start` starts. */
export function nextPeriodStart(start: Date, kind: PeriodKind): Date {
  if (kind === 'day') return new Date(start.getTime() + DAY_MS);
  if (kind === 'week') return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** The periods that overlap `[from, to)`, oldest first, each with its key and bounds. */
export function periodsBetween(
  from: Date,
  to: Date,
  kind: PeriodKind,
  limit = Number.POSITIVE_INFINITY,
): { key: string; start: Date; end: Date }[] {
  const periods: { key: string; start: Date; end: Date }[] = [];
  for (let start = periodStart(from, kind); start < to && periods.length < limit;) {
    const end = nextPeriodStart(start, kind);
    periods.push({ key: periodKey(start, kind), start, end });
    start = end;
  }
  return periods;
}

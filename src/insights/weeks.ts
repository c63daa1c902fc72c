/**
 * ISO 8601 weeks in UTC: a week starts on Monday 00:00 UTC and belongs to the year of its
 * Thursday, so December 30, 2024 is in 2025-W01 and January 1, 2021 in 2020-W53. Pure.
 */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Monday 00:00 UTC of the ISO week holding `t` (epoch milliseconds). */
export function isoWeekStart(t: number): number {
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  // 1970-01-01 was a Thursday: (weekday + 6) % 7 counts days since Monday.
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return day - sinceMonday * DAY_MS;
}

/** The ISO year and week number of the week holding `t`. */
export function isoWeek(t: number): { year: number; week: number } {
  const thursday = isoWeekStart(t) + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return { year, week };
}

/** `2025-W01`. */
export function isoWeekLabel(t: number): string {
  const { year, week } = isoWeek(t);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The starts of the `n` weeks that end with the week of `now`, oldest first. */
export function lastWeeks(now: Date, n: number): number[] {
  const current = isoWeekStart(now.getTime());
  return Array.from({ length: n }, (_, i) => current - (n - 1 - i) * WEEK_MS);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `Dec 30` (UTC): a short day for axes and tables. */
export function shortDay(t: number): string {
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCDate()}`;
}

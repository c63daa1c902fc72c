/**
 * UTC time formatting for reports. Postmortems are files read long after the fact by people in
 * many time zones, so every time in them is UTC and says so; nothing here reads the local zone.
 */

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** `June 3, 2024` (UTC). */
export function utcDay(t: Date | string): string {
  const d = toDate(t);
  return `${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

/** `08:30` (UTC, 24-hour). */
export function utcClock(t: Date | string): string {
  const d = toDate(t);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `2024-06-03` (UTC): a key to compare calendar days. */
export function utcDateKey(t: Date | string): string {
  return toDate(t).toISOString().slice(0, 10);
}

/**
 * A span between two times: `June 3, 2024, 08:30 - 10:15 UTC`, naming the second day only when
 * the span crosses midnight UTC.
 */
export function utcRange(from: Date | string, to: Date | string): string {
  const start = `${utcDay(from)}, ${utcClock(from)}`;
  const end = utcDateKey(from) === utcDateKey(to) ? utcClock(to) : `${utcDay(to)}, ${utcClock(to)}`;
  return `${start} - ${end} UTC`;
}

function toDate(t: Date | string): Date {
  return typeof t === 'string' ? new Date(t) : t;
}

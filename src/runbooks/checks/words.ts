/**
 * The time phrases of a `recent_changes` result (`12 min before the incident`). They are part
 * of the summary stored on the timeline, so they live with the check; renderers that show a
 * change next to such a summary import them from here to say it the same way.
 */
import { formatDuration } from '../../words.js';

/** `12 min before the incident`, `3 min after it started`, `at the start`. */
export function relativeToStart(at: string | Date, start: Date): string {
  const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(t)) return 'at an unknown time';
  const d = start.getTime() - t;
  if (Math.abs(d) < 30_000) return 'at the start';
  return d > 0 ? `${formatDuration(d, 'span')} before the incident` : `${formatDuration(d, 'span')} after it started`;
}

/** `6 h`, `30 min`, `1 d` (for "in the 6 h before this started"). */
export function formatHours(hours: number): string {
  return formatDuration(hours * 3600 * 1000, 'span');
}

/** How long a check waited, for "not answering within 2 s": `150 ms`, `2 s`, `2.5 s`. */
export function waitText(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

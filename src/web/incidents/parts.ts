import type { ServerResponse } from 'node:http';
import type { IncidentStatus, Severity } from '../../domain.js';
import { durations, isOpen, type Incident } from '../../incidents/model.js';
import { isSlackUser } from '../../timeline/events.js';
import { formatDuration, SEVERITY_LABEL, STATUS_LABEL } from '../../words.js';
import type { SignedIn } from '../auth/types.js';
import { esc, html, type Html } from '../html.js';
import { sendPage } from '../page.js';

/** The small pieces the incident pages share: times, badges, people, durations, the 404. */

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * How much of a time a page shows: `minute` `2024-06-03 08:30 UTC` (lists, facts), `clock`
 * `08:30:12 UTC` (a one-day timeline), `full` `2024-06-03 08:30:12 UTC` (a timeline over days).
 */
export type TimeStyle = 'minute' | 'clock' | 'full';

/** A time in UTC in the given style; the raw text when it is no time. */
export function utcText(iso: string, style: TimeStyle = 'minute'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const day = d.toISOString().slice(0, 10);
  if (style === 'minute') return `${day} ${hm} UTC`;
  const clock = `${hm}:${pad(d.getUTCSeconds())}`;
  return style === 'clock' ? `${clock} UTC` : `${day} ${clock} UTC`;
}

/**
 * A time as `<time datetime>` in UTC; /assets/localtime.js adds the viewer's own zone beside it
 * (only the clock for `clock`). The attribute is the normalized ISO time: nothing else reaches it.
 */
export function timeEl(iso: string | undefined, style: TimeStyle = 'minute'): Html {
  if (!iso) return html`—`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`${iso}`;
  return html`<time datetime="${d.toISOString()}"${style === 'clock' ? html` class="clock"` : ''}>${utcText(iso, style)}</time>`;
}

/**
 * A page title that fits a tab, and html-validate's 70 characters (counted as written, entities
 * and all) with ` · Beacon`: a long one is cut with an ellipsis.
 */
export function shortTitle(s: string, max = 58): string {
  if (esc(s).length <= max) return s;
  let out = '';
  let used = 1;
  for (const ch of s) {
    used += esc(ch).length;
    if (used > max) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

export const sevBadge = (s: Severity, long = false): Html => html`<span class="badge sev-${s}" title="${SEVERITY_LABEL[s]}">${long ? SEVERITY_LABEL[s] : s.toUpperCase()}</span>`;

export const statusText = (s: IncidentStatus): string => STATUS_LABEL[s];

/** DRILL and Private marks after a title. */
export function marks(inc: Incident): Html {
  return html`${inc.drill ? html` <span class="badge drill">DRILL</span>` : ''}${inc.private ? html` <span class="badge private">Private</span>` : ''}`;
}

/**
 * A person as the pages name them: `@display name` when Slack gave one, the id otherwise, a
 * system actor (`alertmanager`) as it is. Text only: the caller's `html` escapes it.
 */
export function personName(users: Record<string, string>, id: string | undefined): string {
  if (!id) return '—';
  if (!isSlackUser(id)) return id;
  return users[id] ? `@${users[id]}` : id;
}

/** `1h 45m` once resolved; the time so far while open. */
export function durationText(inc: Incident, now: Date): string {
  const d = durations(inc, now);
  return isOpen(inc) ? `${formatDuration(d.elapsed)} so far` : formatDuration(d.toResolve ?? d.elapsed);
}

/** The one "not found" page: an unknown incident and one the viewer may not see look the same. */
export function notFound(res: ServerResponse, who: SignedIn): void {
  sendPage(res, {
    title: 'Not found',
    status: 404,
    nav: 'incidents',
    viewer: who,
    body: html`<h1>Not found</h1><p class="notice">There is no such page, or it is not yours to see. <a href="/incidents">All incidents</a></p>`,
  });
}

/** A bad query: says which parameter, escaped. */
export function badRequest(res: ServerResponse, who: SignedIn, problems: string[]): void {
  sendPage(res, {
    title: 'Bad request',
    status: 400,
    nav: 'incidents',
    viewer: who,
    body: html`<h1>That filter is not one Beacon knows</h1><ul class="notice">${problems.map((p) => html`<li>${p}</li>`)}</ul><p><a href="/incidents">All incidents</a></p>`,
  });
}

import type { ChangeEvent } from '../../domain.js';
import { durations, type Incident } from '../../incidents/model.js';
import { isSlackUser, type TimelineEvent } from '../../timeline/events.js';
import { mdLine, type EventFormat } from '../describe.js';
import { utcClock, utcDateKey, utcDay } from '../time.js';
import { CHANGE_WINDOW_MS, type PostmortemInput } from './input.js';

/**
 * What every section of the postmortem reads, worked out once from the input: the people
 * formatter, when the incident ended, its durations and the changes in the window.
 */
export interface Draft {
  input: PostmortemInput;
  inc: Incident;
  now: Date;
  fmt: EventFormat;
  /** When the incident was resolved (epoch ms); undefined while it is open. */
  resolved: number | undefined;
  d: ReturnType<typeof durations>;
  /** Changes from the window before detection to the end, in time order. */
  changes: ChangeEvent[];
  /** Of those, the ones up to detection: root-cause candidates. */
  before: ChangeEvent[];
  /** And the ones made while the incident was open. */
  during: ChangeEvent[];
}

/** Markdown for untrusted text; people by display name (`@alice`), else by id. */
export function markdownFormat(users: Record<string, string>): EventFormat {
  return {
    text: mdLine,
    who: (actor) => {
      if (!actor) return '';
      if (isSlackUser(actor)) return `@${mdLine(users[actor]) || actor}`;
      return mdLine(actor);
    },
  };
}

export function draftOf(input: PostmortemInput): Draft {
  const { incident: inc, now } = input;
  const detected = Date.parse(inc.detectedAt);
  const resolved = inc.status === 'resolved' && inc.resolvedAt ? Date.parse(inc.resolvedAt) : undefined;
  const end = resolved ?? now.getTime();
  const changes = [...input.changes]
    .filter((c) => {
      const t = Date.parse(c.at);
      return t >= detected - CHANGE_WINDOW_MS && t <= end;
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return {
    input,
    inc,
    now,
    fmt: markdownFormat(input.users ?? {}),
    resolved,
    d: durations(inc, now),
    changes,
    before: changes.filter((c) => Date.parse(c.at) <= detected),
    during: changes.filter((c) => Date.parse(c.at) > detected),
  };
}

/** A marked prompt: only the team knows the answer. */
export const TODO = (what: string) => `> _TODO (team): ${what}_`;

/** `10:05 UTC`, with the date when it is not the day of detection. */
export function stamp(iso: string, detectedAt: string): string {
  const day = utcDateKey(iso) === utcDateKey(detectedAt) ? '' : `${utcDay(iso)}, `;
  return `${day}${utcClock(iso)} UTC`;
}

/** The timeline by time; events with the same time keep the order they were recorded in. */
export function sortedEvents(timeline: TimelineEvent[]): TimelineEvent[] {
  return timeline
    .map((ev, i) => ({ ev, i }))
    .sort((a, b) => Date.parse(a.ev.at) - Date.parse(b.ev.at) || a.i - b.i)
    .map((x) => x.ev);
}

/** `08:18 UTC: Rotate payment gateway API key (checkout, deploy-bot, v1.2) (credentials)`. */
export function changeCandidate(c: ChangeEvent, detectedAt: string): string {
  const extra = [mdLine(c.service), mdLine(c.author), mdLine(c.version)].filter(Boolean).join(', ');
  const link = c.link ? ` ${mdLine(c.link)}` : '';
  return `${stamp(c.at, detectedAt)}: ${mdLine(c.summary)}${extra ? ` (${extra})` : ''}${link} (${c.kind})`;
}

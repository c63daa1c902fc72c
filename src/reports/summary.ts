import { SEVERITIES } from '../domain.js';
import { durations, type Incident } from '../incidents/model.js';
import type { AlertRecord } from '../incidents/store.js';
import type { TimelineEvent } from '../timeline/events.js';

/**
 * What goes in a channel summary: since when, which events are new, how alert churn is counted,
 * the latest update and the alerts still firing. Pure choice of content; the Slack adapter's
 * `renderSummary` turns it into blocks.
 */

/** Alert events listed one by one before they collapse into one line (alert storms). */
const ALERT_EVENTS_SHOWN = 3;

export interface SummaryInput {
  incident: Incident;
  /** ISO time of the previous summary; only what happened after it is listed. */
  since?: string;
  /**
   * With `since`: ids of the events recorded after the previous summary. These are what is new,
   * whatever their time: a message pinned now may have been written before the last summary, an
   * alert may have started firing before it was delivered. Without it, events dated after
   * `since` are.
   */
  fresh?: ReadonlySet<string>;
  timeline: TimelineEvent[];
  alerts: AlertRecord[];
  /** Runbook steps nobody ticked yet, in runbook order. */
  openSteps: { text: string }[];
  /**
   * Slack user id -> display name. When given, people are named (`@alice`) instead of mentioned,
   * so that a periodic summary does not notify everyone who ever acted on the incident.
   */
  users?: Record<string, string>;
  now: Date;
}

/** The content of one summary, chosen from a {@link SummaryInput}. */
export interface SummaryPlan {
  /** The previous summary's time, when this one covers only what happened since. */
  since?: Date;
  /** Every new event, in time order (ties in recorded order), without Beacon's own summaries. */
  events: TimelineEvent[];
  /** The events to describe one by one: all of them, or all but alert events in an alert storm. */
  listed: TimelineEvent[];
  /** In an alert storm: the alert events counted in one line instead of listed. */
  alertChurn?: { started: number; cleared: number };
  /** The latest status update: the newest `update` event, else the one on the incident. */
  latestUpdate?: { text: string; at?: string; actor?: string };
  /** Alerts still firing, most severe first, then the noisiest, then by title. */
  firing: AlertRecord[];
  /** The headline time: how long it took once resolved, else how long it has been open. */
  clock: { label: 'Duration' | 'Elapsed'; ms: number | undefined };
}

/**
 * Chooses what a summary says. Returns null when nothing happened since `since`, so a periodic
 * summary can be skipped.
 */
export function planSummary(input: SummaryInput): SummaryPlan | null {
  const { incident: inc, now } = input;
  const since = sinceOf(input);
  const events = summaryEvents(input);
  if (since && events.length === 0) return null;

  // People's events one by one; alert churn collapses so a storm cannot crowd them out.
  const isAlert = (e: TimelineEvent) => e.kind === 'alert.firing' || e.kind === 'alert.resolved';
  const alertEvents = events.filter(isAlert);
  const collapse = alertEvents.length > ALERT_EVENTS_SHOWN;
  const started = alertEvents.filter((e) => e.kind === 'alert.firing').length;

  const d = durations(inc, now);
  const rank = (a: AlertRecord) => SEVERITIES.indexOf(a.severity);
  const latestUpdate = latestUpdateOf(inc, input.timeline);
  return {
    ...(since ? { since } : {}),
    events,
    listed: collapse ? events.filter((e) => !isAlert(e)) : events,
    ...(collapse ? { alertChurn: { started, cleared: alertEvents.length - started } } : {}),
    ...(latestUpdate ? { latestUpdate } : {}),
    firing: input.alerts
      .filter((a) => a.status !== 'resolved')
      .sort((a, b) => rank(a) - rank(b) || b.count - a.count || a.title.localeCompare(b.title)),
    clock: inc.status === 'resolved' ? { label: 'Duration', ms: d.toResolve } : { label: 'Elapsed', ms: d.elapsed },
  };
}

/**
 * What is new for a summary, in time order (ties in recorded order), without Beacon's own
 * summaries: with `since`, the `fresh` events (else those dated after it); without, every event.
 * Empty with `since` means the summary can be skipped.
 */
export function summaryEvents(input: SummaryInput): TimelineEvent[] {
  const since = sinceOf(input)?.getTime();
  return input.timeline
    .map((ev, i) => ({ ev, i, t: Date.parse(ev.at) }))
    .filter((x) => x.ev.kind !== 'summary' && !Number.isNaN(x.t) && (since === undefined || (input.fresh ? input.fresh.has(x.ev.id) : x.t > since)))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.ev);
}

/** The previous summary's time; none when there was none (or it does not parse). */
function sinceOf(input: SummaryInput): Date | undefined {
  const ms = input.since ? Date.parse(input.since) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The newest `update` event on the whole timeline (not only the new part), else the incident's. */
function latestUpdateOf(inc: Incident, timeline: TimelineEvent[]): SummaryPlan['latestUpdate'] {
  const update = [...timeline].filter((e) => e.kind === 'update').sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  const text = update?.text || inc.lastUpdate;
  if (!text) return undefined;
  const at = update?.at ?? inc.lastUpdateAt;
  return { text, ...(at ? { at } : {}), ...(update?.actor ? { actor: update.actor } : {}) };
}

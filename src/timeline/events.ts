/**
 * Everything that can happen to an incident, as the timeline records it. Each event carries the
 * id of what caused it (Slack event_id, job id, alert fingerprint and status), so that a
 * retried delivery is recorded once.
 */
export const TIMELINE_KINDS = [
  'incident.opened', // by an alert
  'incident.declared', // by a person
  'alert.firing', // a distinct alert started firing (repeats are counted on the alert, not listed)
  'alert.resolved',
  'change', // a deploy/config change related to the incident's service
  'acknowledged',
  'severity',
  'lead',
  'update', // a status update posted to the channel
  'note', // timeline only
  'task', // a follow-up for the postmortem
  'checklist.tick',
  'checklist.untick',
  'check.result', // an automated runbook check ran
  'runbook.attached',
  'escalation',
  'mitigated',
  'resolved',
  'reopened',
  'pinned', // a channel message marked with :pushpin:
  'summary', // a channel summary was posted
] as const;

/**
 * A timeline kind: one of Beacon's own, or the kind a verb of the verb table records (a verb added
 * to the table brings its kind with it, so the type stays open).
 */
export type TimelineKind = (typeof TIMELINE_KINDS)[number] | (string & {});

export interface TimelineEvent {
  /** Source id: the same cause always gives the same id. */
  id: string;
  kind: TimelineKind;
  /** ISO 8601: when it happened (for a pinned message, the message's own time). */
  at: string;
  /** Slack user id (`U...`), or a system actor such as `alertmanager` or `beacon`. */
  actor?: string;
  /** Free text. Untrusted: escape before rendering to Slack. */
  text: string;
  /** Kind-specific details (severity from/to, check status, change kind, alert counts). */
  data?: Record<string, unknown>;
}

/** True for actors that are Slack users, so renderers can mention them. */
export const isSlackUser = (actor: string | undefined): actor is string => !!actor && /^[UW][A-Z0-9]+$/.test(actor);

/** What an event's description needs to name people and carry untrusted text into one output format. */
export interface EventFormat {
  /** Untrusted free text, made safe for the output. */
  text(s: string | undefined): string;
  /** An actor: a Slack user id or a system name (`alertmanager`, `beacon`). */
  who(actor: string | undefined): string;
}

/** The phrases every event description is made of, bound to one event and one format. */
export function phrases(ev: TimelineEvent, f: EventFormat) {
  const text = f.text(ev.text);
  const data = ev.data ?? {};
  return {
    text,
    /** ` by @alice`, or nothing for an event without an actor. */
    by: (prefix = ' by') => (ev.actor ? `${prefix} ${f.who(ev.actor)}` : ''),
    /** ` (@alice)`. */
    paren: () => (ev.actor ? ` (${f.who(ev.actor)})` : ''),
    /** `Head: text`, or `Head` when the event has no text. */
    withText: (head: string) => (text ? `${head}: ${text}` : head),
    /** A string or number from the event's data. */
    str: (k: string) => (typeof data[k] === 'string' || typeof data[k] === 'number' ? String(data[k]) : undefined),
  };
}

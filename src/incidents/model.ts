import type { Alert, AlertLink, IncidentStatus, Severity } from '../domain.js';
import { refuse, type Result } from '../result.js';

/**
 * The incident as Beacon keeps it: one JSON document per incident in Redis, changed only through
 * the pure functions below and written back with a version check (see store.ts).
 */
export interface Incident {
  id: string;
  /** Human number, `#42`. */
  number: number;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  service?: string;
  description?: string;
  link?: string;
  links: AlertLink[];
  labels: Record<string, string>;
  /** The alert group this incident answers for (`declared:<id>` for declared ones). */
  group: string;
  origin: 'alert' | 'declared';
  declaredBy?: string;
  lead?: string;
  /** The holders of the other roles of INCIDENT_ROLES (`comms`, `scribe`…); `lead` stays in `lead`. */
  roles?: Record<string, string>;
  /**
   * A private incident: a private channel, only the declarer (or a private runbook's responders)
   * invited; its title and details are shown to members of its channel only.
   */
  private?: boolean;
  /**
   * A drill (`/incident drill <scenario>`): practice, not a real incident. Only the starter is
   * invited, nothing escalates or is announced, it is not listed or counted, and every message in
   * its channel says DRILL. `speed` is how much faster than real time its scenario's clock runs.
   */
  drill?: { scenario: string; startedAt: string; speed: number };
  runbook?: string;
  /** ISO times. `detectedAt` is the first alert's startsAt, or the declare time. */
  createdAt: string;
  detectedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  mitigatedAt?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  /** Set by `reopen`; the quiet-period reminder counts from the latest of this and `lastUpdateAt`. */
  reopenedAt?: string;
  reopenedBy?: string;
  resolution?: string;
  mitigation?: string;
  lastUpdateAt?: string;
  lastUpdate?: string;
  lastUpdateBy?: string;
  /** Alerts Alertmanager reported as cut from its payloads (`truncatedAlerts`, latest value). */
  truncatedAlerts?: number;
  /** Delivery ids of the latest commands applied (idempotency of retried jobs). */
  appliedCommands?: string[];
  /** Slack artefacts, each recorded before the next step (resumable, never made twice). */
  slack: SlackArtefacts;
  version: number;
}

export interface SlackArtefacts {
  channelId?: string;
  channelName?: string;
  /** The name whose `conversations.create` was sent; set before the call, for crash recovery. */
  channelPending?: string;
  channelAttempt?: number;
  invited?: boolean;
  /** Message timestamps by slot (`card`, `alerts`, ...). */
  messages: Record<string, string>;
  /** Slots whose `chat.postMessage` was sent but whose ts was not recorded yet. */
  pending: Record<string, boolean>;
  pinned?: boolean;
  topic?: string;
  /** True once every opening step ran. */
  opened?: boolean;
}

export function newIncidentFromAlert(id: string, number: number, alert: Alert, now: Date): Incident {
  return {
    id,
    number,
    title: alert.title,
    severity: alert.severity,
    status: 'triggered',
    ...(alert.service ? { service: alert.service } : {}),
    ...(alert.description ? { description: alert.description } : {}),
    ...(alert.link ? { link: alert.link } : {}),
    links: [...(alert.runbookUrl ? [{ label: 'Runbook', url: alert.runbookUrl }] : []), ...(alert.links ?? [])],
    labels: alert.labels,
    group: alert.group,
    origin: 'alert',
    createdAt: now.toISOString(),
    detectedAt: earliest(alert.startsAt, now.toISOString()),
    slack: { messages: {}, pending: {} },
    version: 0,
  };
}

export function newDeclaredIncident(
  id: string,
  number: number,
  p: { title: string; severity: Severity; service?: string; description?: string; declaredBy: string; private?: boolean },
  now: Date,
): Incident {
  return {
    id,
    number,
    title: p.title,
    severity: p.severity,
    status: 'triggered',
    ...(p.service ? { service: p.service } : {}),
    ...(p.description ? { description: p.description } : {}),
    links: [],
    labels: {},
    group: `declared:${id}`,
    origin: 'declared',
    declaredBy: p.declaredBy,
    ...(p.private ? { private: true } : {}),
    createdAt: now.toISOString(),
    detectedAt: now.toISOString(),
    slack: { messages: {}, pending: {} },
    version: 0,
  };
}

function earliest(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

export const isOpen = (i: Incident) => i.status !== 'resolved';

/** INCIDENT_ROLES when it is not set. */
export const DEFAULT_ROLES: readonly string[] = ['lead', 'comms', 'scribe'];

/** Allowed moves. `reopen` is the only way back from `resolved`. */
const NEXT: Record<IncidentStatus, IncidentStatus[]> = {
  triggered: ['acknowledged', 'mitigated', 'resolved'],
  acknowledged: ['mitigated', 'resolved'],
  mitigated: ['resolved', 'acknowledged'],
  resolved: [],
};

export function acknowledge(i: Incident, user: string | undefined, at: Date): Result<Incident> {
  if (i.status === 'resolved') return { ok: false, reason: 'This incident is already resolved. Use `/incident reopen` first.' };
  if (i.status !== 'triggered') {
    const by = i.acknowledgedBy && /^[UW][A-Z0-9]+$/.test(i.acknowledgedBy) ? i.acknowledgedBy : undefined;
    return refuse(`This incident was already acknowledged${by ? ' by {user}' : ''}; it is ${i.status} now.`, by ? { user: by } : {});
  }
  return {
    ok: true,
    value: {
      ...i,
      status: 'acknowledged',
      acknowledgedAt: at.toISOString(),
      ...(user ? { acknowledgedBy: user } : {}),
      // The incident commander is whoever acknowledges first, unless one was set.
      ...(i.lead || !user ? {} : { lead: user }),
    },
  };
}

export function mitigate(i: Incident, user: string | undefined, what: string | undefined, at: Date): Result<Incident> {
  if (i.status === 'resolved') return { ok: false, reason: 'This incident is already resolved. Use `/incident reopen` first.' };
  if (i.status === 'mitigated') return { ok: false, reason: 'This incident is already mitigated. Resolve it when it is over.' };
  return {
    ok: true,
    value: {
      ...i,
      status: 'mitigated',
      mitigatedAt: at.toISOString(),
      ...(i.acknowledgedAt ? {} : { acknowledgedAt: at.toISOString(), ...(user ? { acknowledgedBy: user } : {}) }),
      ...(i.lead || !user ? {} : { lead: user }),
      ...(what ? { mitigation: what } : {}),
    },
  };
}

export function resolve(i: Incident, user: string | undefined, what: string | undefined, at: Date): Result<Incident> {
  if (i.status === 'resolved') return { ok: false, reason: 'This incident is already resolved.' };
  return {
    ok: true,
    value: {
      ...i,
      status: 'resolved',
      resolvedAt: at.toISOString(),
      ...(user ? { resolvedBy: user } : {}),
      ...(i.acknowledgedAt ? {} : { acknowledgedAt: at.toISOString(), ...(user ? { acknowledgedBy: user } : {}) }),
      ...(what ? { resolution: what } : {}),
    },
  };
}

/** Takes a resolved incident back to `acknowledged` (someone is on it: whoever reopened it). */
export function reopen(i: Incident, user: string | undefined, at: Date): Result<Incident> {
  if (i.status !== 'resolved') return { ok: false, reason: `Only a resolved incident can be reopened; this one is ${i.status}.` };
  const { resolvedAt: _r, resolvedBy: _b, resolution: _s, ...rest } = i;
  return {
    ok: true,
    value: {
      ...rest,
      status: 'acknowledged',
      reopenedAt: at.toISOString(),
      ...(user ? { reopenedBy: user } : {}),
      ...(i.lead || !user ? {} : { lead: user }),
    },
  };
}

/** A status update: the latest one is shown on the card; each restarts the reminder's clock. */
export function postUpdate(i: Incident, user: string, text: string, at: Date): Result<Incident> {
  const t = text.trim();
  if (!t) return { ok: false, reason: 'Say what the update is: `/incident update <text>`.' };
  return { ok: true, value: { ...i, lastUpdate: t, lastUpdateAt: at.toISOString(), lastUpdateBy: user } };
}

/**
 * When the quiet period a reminder waits out started: the latest update, reopening or opening.
 * A reminder job carries the anchor it was scheduled for and does nothing once it moved.
 */
export function reminderAnchor(i: Incident): string {
  const times = [i.createdAt, i.reopenedAt, i.lastUpdateAt].filter((t): t is string => !!t);
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

export function setSeverity(i: Incident, severity: Severity): Result<Incident> {
  if (i.severity === severity) return { ok: false, reason: `Severity is already ${severity}.` };
  return { ok: true, value: { ...i, severity } };
}

export function setLead(i: Incident, user: string): Result<Incident> {
  if (!/^[UW][A-Z0-9]+$/.test(user)) return { ok: false, reason: 'Mention the new lead: `/incident lead @someone`.' };
  if (i.lead === user) return refuse('{user} already leads this incident.', { user });
  return { ok: true, value: { ...i, lead: user } };
}

/** Every role and who holds it now: `lead` first, then the others in the order they were given. */
export function roleHolders(i: Incident): Record<string, string> {
  return { ...(i.lead ? { lead: i.lead } : {}), ...(i.roles ?? {}) };
}

/**
 * Gives `role` (one of `known`, INCIDENT_ROLES) to `user`. `lead` is the lead, with the lead's
 * rules; the others are kept in `roles`. An unknown role is refused with the list of roles.
 */
export function assignRole(i: Incident, role: string, user: string, known: readonly string[]): Result<Incident> {
  if (!known.includes(role)) return refuse(`Beacon knows these roles: ${known.map((r) => `\`${r}\``).join(', ')}. For example \`/incident role ${known.find((r) => r !== 'lead') ?? 'lead'} @alice\`.`);
  if (role === 'lead') return setLead(i, user);
  if (!/^[UW][A-Z0-9]+$/.test(user)) return refuse(`Mention who takes the role, e.g. \`/incident role ${role} @alice\`.`);
  if (i.roles?.[role] === user) return refuse(`{user} is already ${role} of this incident.`, { user });
  return { ok: true, value: { ...i, roles: { ...(i.roles ?? {}), [role]: user } } };
}

export function canMove(from: IncidentStatus, to: IncidentStatus): boolean {
  return NEXT[from].includes(to);
}

/** Milliseconds from detection to each milestone, for summaries and the postmortem. */
export function durations(i: Incident, now: Date) {
  const d = Date.parse(i.detectedAt);
  const ms = (t?: string) => (t ? Date.parse(t) - d : undefined);
  return {
    toAcknowledge: ms(i.acknowledgedAt),
    toMitigate: ms(i.mitigatedAt),
    toResolve: ms(i.resolvedAt),
    elapsed: (i.resolvedAt ? Date.parse(i.resolvedAt) : now.getTime()) - d,
  };
}

import type { IncidentStatus, Severity } from '../domain.js';
import type { Incident } from '../incidents/model.js';

/**
 * The public status page as data: which incidents customers see, in their words. Pure: incident
 * documents and their public updates in, the page's model out (the HTML page and the JSON both
 * render this one model). Only `/incident update --public` puts anything here.
 */

/** A resolved incident stays on the page this long after it was resolved. */
export const STATUS_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** At most this many public updates are kept per incident (the oldest go first). */
export const MAX_PUBLIC_UPDATES = 200;
/** Where an incident without a service is listed. */
export const NO_SERVICE = 'Other';

/** One public update as stored: its source id (the Slack delivery), when, what, and the incident's state then. */
export interface PublicUpdate {
  id: string;
  at: string;
  text: string;
  status: IncidentStatus;
}

/** An incident's state in the words status pages use. */
export type PublicState = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const PUBLIC_STATE: Record<IncidentStatus, PublicState> = {
  triggered: 'investigating',
  acknowledged: 'identified',
  mitigated: 'monitoring',
  resolved: 'resolved',
};
export const PUBLIC_STATE_WORDS: Record<PublicState, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

/** How a service is doing, from its worst open incident. */
export type ServiceHealth = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';
export const SERVICE_HEALTH_WORDS: Record<ServiceHealth, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};
const HEALTH_RANK: ServiceHealth[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage'];
const IMPACT: Record<Severity, ServiceHealth> = {
  sev1: 'major_outage',
  sev2: 'partial_outage',
  sev3: 'degraded_performance',
  sev4: 'degraded_performance',
};

export interface StatusUpdate {
  at: string;
  state: PublicState;
  text: string;
}

export interface StatusIncident {
  id: string;
  number: number;
  title: string;
  severity: Severity;
  state: PublicState;
  startedAt: string;
  resolvedAt: string | null;
  /** The latest public update's time. */
  updatedAt: string;
  /** Newest first. */
  updates: StatusUpdate[];
}

export interface StatusService {
  name: string;
  health: ServiceHealth;
  /** Open ones first, then by their latest update, newest first. */
  incidents: StatusIncident[];
}

export interface StatusReport {
  generatedAt: string;
  /** The worst health of any service; `operational` when nothing is open. */
  health: ServiceHealth;
  /** `All systems operational`, or the health and the services it concerns. */
  summary: string;
  /** Worst first, then by name. */
  services: StatusService[];
}

/** Private incidents and drills never go on the status page. */
export const mayBePublic = (i: Pick<Incident, 'private' | 'drill'>): boolean => !i.private && !i.drill;

/** Whether the page shows this incident now: public, and open or resolved less than seven days ago. */
export function shownAt(i: Incident, now: Date): boolean {
  if (!mayBePublic(i)) return false;
  if (i.status !== 'resolved') return true;
  const resolved = Date.parse(i.resolvedAt ?? i.lastUpdateAt ?? i.createdAt);
  return !(now.getTime() - resolved >= STATUS_RETENTION_MS);
}

/** A mitigated incident still shows (monitoring), at most as degraded performance. */
function impactOf(i: Incident): ServiceHealth {
  if (i.status === 'resolved') return 'operational';
  const impact = IMPACT[i.severity] ?? 'degraded_performance';
  return i.status === 'mitigated' ? 'degraded_performance' : impact;
}

const worst = (hs: ServiceHealth[]): ServiceHealth => hs.reduce((a, b) => (HEALTH_RANK.indexOf(b) > HEALTH_RANK.indexOf(a) ? b : a), 'operational');

function statusIncident(i: Incident, updates: readonly PublicUpdate[]): StatusIncident {
  const newest = [...updates].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return {
    id: i.id,
    number: i.number,
    title: i.title,
    severity: i.severity,
    state: PUBLIC_STATE[i.status],
    startedAt: i.detectedAt,
    resolvedAt: i.status === 'resolved' ? (i.resolvedAt ?? null) : null,
    updatedAt: newest[0]!.at,
    updates: newest.map((u) => ({ at: u.at, state: PUBLIC_STATE[u.status], text: u.text })),
  };
}

const openFirst = (a: StatusIncident, b: StatusIncident) =>
  Number(a.state === 'resolved') - Number(b.state === 'resolved') || Date.parse(b.updatedAt) - Date.parse(a.updatedAt);

/** The page's model from the incidents of the index and their public updates (oldest first, as stored). */
export function buildStatus(entries: readonly { incident: Incident; updates: readonly PublicUpdate[] }[], now: Date): StatusReport {
  const byService = new Map<string, { incidents: StatusIncident[]; health: ServiceHealth[] }>();
  for (const { incident, updates } of entries) {
    if (!updates.length || !shownAt(incident, now)) continue;
    const name = incident.service?.trim() || NO_SERVICE;
    const s = byService.get(name) ?? { incidents: [], health: [] };
    s.incidents.push(statusIncident(incident, updates));
    s.health.push(impactOf(incident));
    byService.set(name, s);
  }
  const services: StatusService[] = [...byService].map(([name, s]) => ({ name, health: worst(s.health), incidents: s.incidents.sort(openFirst) }));
  services.sort((a, b) => HEALTH_RANK.indexOf(b.health) - HEALTH_RANK.indexOf(a.health) || a.name.localeCompare(b.name));
  const health = worst(services.map((s) => s.health));
  const affected = services.filter((s) => s.health !== 'operational').map((s) => s.name);
  const summary = health === 'operational' ? 'All systems operational' : `${SERVICE_HEALTH_WORDS[health]}: ${affected.join(', ')}`;
  return { generatedAt: now.toISOString(), health, summary, services };
}

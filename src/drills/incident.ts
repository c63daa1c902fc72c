/**
 * What a drill makes of its scenario, as Beacon's own shapes: the incident (marked `drill`, its
 * own alert group, only the starter invited), the alerts Beacon's intake takes and the changes the
 * drill's timeline records. Pure. Everything carries the drill's incident id, so that nothing of
 * a drill can join a real incident, and nothing real can join a drill.
 */
import type { Alert, ChangeEvent } from '../domain.js';
import { shortHash } from '../ids.js';
import type { Incident } from '../incidents/model.js';
import type { DrillAlert, DrillChange, Scenario } from './format.js';

/** The label every alert of a drill carries: its incident id. */
export const DRILL_LABEL = 'beacon_drill';

/** The alert group of a drill: every alert of the drill is in it, and nothing else can be. */
export const drillGroup = (incidentId: string, scenario: string) => `drill:${incidentId}:${scenario}`;

/** The incident a drill runs in, before its first alert: detected at the start, the starter as declarer. */
export function newDrillIncident(
  id: string,
  number: number,
  scenario: Scenario,
  p: { starter: string; startedAt: Date; speed: number },
): Incident {
  const at = p.startedAt.toISOString();
  return {
    id,
    number,
    title: scenario.title,
    severity: scenario.severity,
    status: 'triggered',
    service: scenario.service,
    ...(scenario.description ? { description: scenario.description } : {}),
    links: [],
    // Names the runbook, as a probe's alert does, so it is attached whatever the service matches.
    labels: { [DRILL_LABEL]: id, beacon_runbook: scenario.runbook },
    group: drillGroup(id, scenario.name),
    origin: 'alert',
    declaredBy: p.starter,
    createdAt: at,
    detectedAt: at,
    drill: { scenario: scenario.name, startedAt: at, speed: p.speed },
    slack: { messages: {}, pending: {} },
    version: 0,
  };
}

/** A scenario alert as Beacon's intake takes it: in the drill's group, labelled, its fingerprint the drill's own. */
export function drillAlert(inc: Pick<Incident, 'id' | 'group'>, a: DrillAlert, occursAt: Date, now: Date): Alert {
  const fingerprint = `drill:${inc.id}:${a.fingerprint ?? shortHash(`${a.title}\u0000${a.service}`, 16)}`;
  return {
    source: 'generic',
    fingerprint,
    group: inc.group,
    status: a.status,
    title: a.title,
    severity: a.severity,
    service: a.service,
    ...(a.description ? { description: a.description } : {}),
    ...(a.link ? { link: a.link } : {}),
    labels: { ...a.labels, [DRILL_LABEL]: inc.id },
    startsAt: occursAt.toISOString(),
    ...(a.status === 'resolved' ? { endsAt: now.toISOString() } : {}),
  };
}

/** A scenario change as the drill's timeline records it (never the change store: no real incident sees it). */
export function drillChange(incidentId: string, index: number, c: DrillChange, occursAt: Date): ChangeEvent {
  return {
    id: `drill-${incidentId}-${index}`,
    service: c.service,
    kind: c.kind,
    summary: c.summary,
    ...(c.author ? { author: c.author } : {}),
    ...(c.link ? { link: c.link } : {}),
    ...(c.version ? { version: c.version } : {}),
    at: occursAt.toISOString(),
  };
}

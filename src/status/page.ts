import type { IncidentStore } from '../incidents/store.js';
import { buildStatus, mayBePublic, shownAt, type StatusReport } from './model.js';
import type { StatusStore } from './store.js';

export interface StatusSources {
  status: Pick<StatusStore, 'indexed' | 'updates' | 'forget'>;
  incidents: Pick<IncidentStore, 'getMany'>;
}

/**
 * What the status page shows now: the indexed incidents, read as they are (one pipelined read of
 * their documents, one of their public updates), checked again for private and drill (an incident
 * that became private is never shown, whatever the index says). Incidents resolved over seven
 * days ago, private ones and vanished ones are dropped by this query and trimmed from the index.
 */
export async function readStatus(src: StatusSources, now: Date): Promise<StatusReport> {
  const ids = await src.status.indexed();
  const [incidents, updates] = await Promise.all([src.incidents.getMany(ids), src.status.updates(ids)]);
  const found = new Map(incidents.map((i) => [i.id, i]));
  const shown = incidents.filter((i) => shownAt(i, now));
  const stale = ids.filter((id) => {
    const i = found.get(id);
    return !i || !mayBePublic(i) || !shownAt(i, now);
  });
  if (stale.length) await src.status.forget(stale);
  return buildStatus(
    shown.map((incident) => ({ incident, updates: updates.get(incident.id) ?? [] })),
    now,
  );
}

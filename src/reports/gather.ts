import type { ChangeStore } from '../changes/store.js';
import { timelineChanges } from '../drills/checks.js';
import type { Incident } from '../incidents/model.js';
import type { IncidentStore } from '../incidents/store.js';
import type { ChecklistStore } from '../runbooks/checklist-store.js';
import type { Runbook } from '../runbooks/format.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { TimelineStore } from '../timeline/store.js';
import { CHANGE_WINDOW_MS, type PostmortemInput } from './postmortem.js';

/** Everything a report is built from, read from the stores. */
export interface ReportSources {
  incidents: IncidentStore;
  timeline: TimelineStore;
  changes: ChangeStore;
  checklists: ChecklistStore;
  runbooks: () => readonly Runbook[];
  /** Slack display names for user ids, so the draft reads `@alice`, not `@U0123`. */
  userNames?: (ids: string[]) => Promise<Record<string, string>>;
}

/**
 * Collects the postmortem's inputs for one incident: its document, timeline, alerts, the changes
 * to its service from six hours before detection to the end (a drill's from its own timeline), and
 * the matched runbook's steps.
 */
export async function gatherPostmortem(src: ReportSources, incidentId: string, now: Date): Promise<PostmortemInput | null> {
  const incident = await src.incidents.get(incidentId);
  if (!incident) return null;
  const end = incident.resolvedAt ? new Date(incident.resolvedAt) : now;
  const from = new Date(Date.parse(incident.detectedAt) - CHANGE_WINDOW_MS);
  const [timeline, alerts, stored, checklistState] = await Promise.all([
    src.timeline.list(incidentId),
    src.incidents.alerts(incidentId),
    incident.service && !incident.drill ? src.changes.between(incident.service, from, end, 100) : Promise.resolve([]),
    src.checklists.state(incidentId),
  ]);
  // A drill's changes are its scenario's, on its own timeline; the service's real changes are
  // not part of the practice (the runbook runtime reads a drill's changes the same way).
  const changes = incident.drill && incident.service ? await timelineChanges(async () => timeline).between(incident.service, from, end) : stored;
  const users = await namesOf(src, peopleIn(incident, timeline));
  const first = checklistState.runbooks[0];
  const runbook = first ? src.runbooks().find((r) => r.name === first) : undefined;
  const ticks = first ? (checklistState.byRunbook[first]?.ticks ?? {}) : {};
  return {
    incident,
    timeline,
    alerts,
    changes,
    ...(runbook
      ? {
          checklist: {
            runbook: runbook.name,
            steps: runbook.steps.map((s) => ({
              id: s.id,
              text: s.text,
              done: ticks[s.id]?.done ?? false,
              ...(ticks[s.id]?.by ? { by: ticks[s.id]!.by } : {}),
              ...(ticks[s.id]?.at ? { at: ticks[s.id]!.at } : {}),
            })),
          },
        }
      : {}),
    users,
    now,
  };
}

const isUser = (id: unknown): id is string => typeof id === 'string' && /^[UW][A-Z0-9]+$/.test(id);

/** Everyone a report may name: the incident's people, the timeline's actors, and whoever was given a role. */
export function peopleIn(incident: Incident, timeline: TimelineEvent[]): string[] {
  const ids = new Set<string>();
  for (const id of [incident.lead, incident.acknowledgedBy, incident.resolvedBy, incident.declaredBy, ...Object.values(incident.roles ?? {})]) if (isUser(id)) ids.add(id);
  for (const e of timeline) {
    for (const id of [e.actor, e.data?.to, e.data?.from, e.data?.lead]) if (isUser(id)) ids.add(id);
  }
  return [...ids];
}

/** Display names of those people; none (ids are shown) when they cannot be looked up. */
export async function namesOf(src: Pick<ReportSources, 'userNames'>, ids: string[]): Promise<Record<string, string>> {
  return src.userNames && ids.length ? await src.userNames(ids).catch(() => ({})) : {};
}

/**
 * What Insights needs of one real incident: when it really started, its severity, where it came
 * from, and how long it took to be acknowledged, mitigated and resolved. Pure.
 *
 * Times are measured from `detectedAt`, the first alert's own `startsAt` (or the declare time),
 * not from when Beacon received the alert, to the timeline's `acknowledged`, `mitigated` and
 * `resolved` events: the timeline is what happened, as it happened. The incident document's
 * `acknowledgedAt`, `mitigatedAt` and `resolvedAt` stand in only when the timeline lacks the event
 * (an acknowledgement implied by a direct resolve is in the document alone).
 */
import type { Severity } from '../domain.js';
import type { Incident } from '../incidents/model.js';
import type { TimelineEvent } from '../timeline/events.js';

/** The timeline kinds Insights reads of a real incident; the loader skips every other entry unparsed. */
export const MILESTONE_KINDS = ['acknowledged', 'mitigated', 'resolved'] as const;

export interface Milestones {
  acknowledged?: string;
  mitigated?: string;
  resolved?: string;
}

export interface IncidentFacts {
  id: string;
  severity: Severity;
  /** Epoch ms of the real start (`detectedAt`). */
  detectedMs: number;
  private: boolean;
  /** Absent for a private incident: never named, not even by its service. */
  service?: string;
  /** The alert group; absent for declared and private incidents. */
  group?: string;
  toAcknowledgeMs?: number;
  toMitigateMs?: number;
  /** Only for a resolved incident: to its last resolve (a reopened one counts once it is resolved again). */
  toResolveMs?: number;
}

const at = (ev: TimelineEvent) => Date.parse(ev.at);

/**
 * The first acknowledgement, the first mitigation and the last resolve of a timeline (in time
 * order, whatever order it was recorded in).
 */
export function milestonesOf(timeline: readonly TimelineEvent[]): Milestones {
  const out: Milestones = {};
  let resolved = -Infinity;
  for (const ev of timeline) {
    const t = at(ev);
    if (Number.isNaN(t)) continue;
    if (ev.kind === 'acknowledged' && (out.acknowledged === undefined || t < Date.parse(out.acknowledged))) out.acknowledged = ev.at;
    if (ev.kind === 'mitigated' && (out.mitigated === undefined || t < Date.parse(out.mitigated))) out.mitigated = ev.at;
    if (ev.kind === 'resolved' && t >= resolved) {
      resolved = t;
      out.resolved = ev.at;
    }
  }
  return out;
}

/** Milliseconds from the real start to `iso`, never negative; undefined without a time. */
function since(detectedMs: number, iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.max(0, t - detectedMs);
}

/** The facts of one real incident (not a drill) from its document and timeline. */
export function factsOf(inc: Incident, timeline: readonly TimelineEvent[]): IncidentFacts {
  const m = milestonesOf(timeline);
  const detectedMs = Date.parse(inc.detectedAt);
  const resolved = inc.status === 'resolved' ? (m.resolved ?? inc.resolvedAt) : undefined;
  const hidden = !!inc.private;
  const toAcknowledgeMs = since(detectedMs, m.acknowledged ?? inc.acknowledgedAt);
  const toMitigateMs = since(detectedMs, m.mitigated ?? inc.mitigatedAt);
  const toResolveMs = since(detectedMs, resolved);
  return {
    id: inc.id,
    severity: inc.severity,
    detectedMs,
    private: hidden,
    ...(!hidden && inc.service ? { service: inc.service } : {}),
    ...(!hidden && inc.origin === 'alert' ? { group: inc.group } : {}),
    ...(toAcknowledgeMs !== undefined ? { toAcknowledgeMs } : {}),
    ...(toMitigateMs !== undefined ? { toMitigateMs } : {}),
    ...(toResolveMs !== undefined ? { toResolveMs } : {}),
  };
}

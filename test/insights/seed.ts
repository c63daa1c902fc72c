import type { Severity } from '../../src/domain.js';
import type { Incident } from '../../src/incidents/model.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

/** Builders shared by the Insights tests: incidents and timeline events with only what matters set. */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const iso = (ms: number) => new Date(ms).toISOString();

let n = 0;

export function incident(over: Partial<Incident> & { detectedAt: string }): Incident {
  const id = over.id ?? `inc-${++n}`;
  return {
    id,
    number: n,
    title: `Incident ${id}`,
    severity: 'sev2' as Severity,
    status: 'triggered',
    links: [],
    labels: {},
    group: `alertmanager:${id}`,
    origin: 'alert',
    createdAt: over.detectedAt,
    slack: { messages: {}, pending: {} },
    version: 1,
    ...over,
  };
}

export function event(kind: TimelineEvent['kind'], atMs: number, over: Partial<TimelineEvent> = {}): TimelineEvent {
  return { id: `ev-${++n}`, kind, at: iso(atMs), actor: 'U0000001', text: '', ...over };
}

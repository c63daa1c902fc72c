/**
 * A drill's scorecard: how long the team took to acknowledge, to find the scenario's root cause
 * (its runbook step ticked, or its check run) and to resolve, which steps they ticked before the
 * cause (the misleading paths), each beside the same figure of the scenario's reference incident.
 * Pure: the incident, its timeline and the scenario in, figures out; the chat adapter renders it.
 *
 * Drill figures are in scenario time: what the clock measured, times the drill's speed, so a drill
 * played ten times faster still compares with the reference minute for minute.
 */
import type { Incident } from '../incidents/model.js';
import { isSlackUser, type TimelineEvent } from '../timeline/events.js';
import type { Scenario } from './format.js';

/** One figure of the drill beside the reference's; either may be missing (not reached, not known). */
export interface Figure {
  drillMs?: number;
  referenceMs?: number;
  /** Who did it in the drill. */
  by?: string;
  /** The drill against the reference, when both are known. */
  verdict?: 'faster' | 'slower' | 'same';
  /** How much faster or slower (always positive). */
  differenceMs?: number;
}

/** A step ticked before the root cause was found. */
export interface MisleadingStep {
  text: string;
  by?: string;
  /** Scenario time from detection. */
  afterMs: number;
}

export interface Scorecard {
  scenario: string;
  title: string;
  speed: number;
  /** The incident's number, for the heading. */
  number: number;
  acknowledge: Figure;
  cause: Figure & {
    found: boolean;
    /** How the cause was found: the root-cause step ticked, or its check run. */
    how?: 'step' | 'check';
    /** The step or check that is the root cause, as the runbook says it. */
    what: string;
  };
  resolve: Figure;
  misleading: { drill: MisleadingStep[]; reference: string[] };
  /** Where the reference comes from. */
  referenceSource?: string;
}

const SAME_WITHIN_MS = 30_000;

function figure(drillMs: number | undefined, referenceMs: number | undefined, by?: string): Figure {
  const out: Figure = { ...(drillMs !== undefined ? { drillMs } : {}), ...(referenceMs !== undefined ? { referenceMs } : {}), ...(by ? { by } : {}) };
  if (drillMs === undefined || referenceMs === undefined) return out;
  const diff = drillMs - referenceMs;
  const verdict = Math.abs(diff) < SAME_WITHIN_MS ? 'same' : diff < 0 ? 'faster' : 'slower';
  return { ...out, verdict, ...(verdict === 'same' ? {} : { differenceMs: Math.abs(diff) }) };
}

const dataOf = (ev: TimelineEvent, key: string): unknown => ev.data?.[key];

/** The first timeline event that finds the root cause: its step ticked, or its check run. */
export function causeEvent(timeline: readonly TimelineEvent[], scenario: Scenario): { ev: TimelineEvent; how: 'step' | 'check' } | undefined {
  const { stepId, check } = scenario.rootCause;
  const ofRunbook = (ev: TimelineEvent) => dataOf(ev, 'runbook') === scenario.runbook;
  const hits = byTime(timeline).flatMap((ev): { ev: TimelineEvent; how: 'step' | 'check' }[] => {
    if (stepId && ev.kind === 'checklist.tick' && ofRunbook(ev) && dataOf(ev, 'stepId') === stepId) return [{ ev, how: 'step' }];
    if (check && ev.kind === 'check.result' && ofRunbook(ev) && dataOf(ev, 'check') === check) return [{ ev, how: 'check' }];
    return [];
  });
  return hits[0];
}

function byTime(timeline: readonly TimelineEvent[]): TimelineEvent[] {
  return timeline.map((ev, i) => ({ ev, i })).sort((a, b) => Date.parse(a.ev.at) - Date.parse(b.ev.at) || a.i - b.i).map((x) => x.ev);
}

/** The scorecard of a drill's incident (resolved or not: an open one scores what it reached). */
export function scorecard(inc: Incident, timeline: readonly TimelineEvent[], scenario: Scenario): Scorecard {
  const speed = inc.drill?.speed ?? 1;
  const detected = Date.parse(inc.detectedAt);
  /** Scenario time from detection to an ISO time. */
  const since = (iso: string | undefined) => (iso === undefined ? undefined : Math.max(0, Date.parse(iso) - detected) * speed);
  const ref = scenario.reference;
  const found = causeEvent(timeline, scenario);
  const until = found ? Date.parse(found.ev.at) : inc.resolvedAt ? Date.parse(inc.resolvedAt) : Infinity;
  const rootStep = scenario.rootCause.stepId;
  const seen = new Set<string>();
  const misleading = byTime(timeline).flatMap((ev): MisleadingStep[] => {
    if (ev.kind !== 'checklist.tick' || Date.parse(ev.at) > until) return [];
    const key = `${String(dataOf(ev, 'runbook'))}:${String(dataOf(ev, 'stepId'))}`;
    if (seen.has(key) || (dataOf(ev, 'runbook') === scenario.runbook && dataOf(ev, 'stepId') === rootStep)) return [];
    seen.add(key);
    return [{ text: ev.text, ...(ev.actor ? { by: ev.actor } : {}), afterMs: since(ev.at) ?? 0 }];
  });
  return {
    scenario: scenario.name,
    title: scenario.title,
    speed,
    number: inc.number,
    acknowledge: figure(since(inc.acknowledgedAt), ref.toAcknowledgeMs, inc.acknowledgedBy),
    cause: {
      ...figure(found ? since(found.ev.at) : undefined, ref.toCauseMs, isSlackUser(found?.ev.actor) ? found?.ev.actor : undefined),
      found: !!found,
      ...(found ? { how: found.how } : {}),
      what: scenario.rootCause.step ?? scenario.rootCause.check ?? '',
    },
    resolve: figure(since(inc.resolvedAt), ref.toResolveMs, inc.resolvedBy),
    misleading: { drill: misleading, reference: ref.misleading },
    ...(ref.source ? { referenceSource: ref.source } : {}),
  };
}

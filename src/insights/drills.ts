/**
 * A resolved drill as one point of the drill chart: time to acknowledge, to the root cause and to
 * resolve, in scenario time (what the drill's clock measured, times its speed), beside the
 * scenario's reference. Pure.
 *
 * With the scenario loaded the figures are `scorecard()`'s own. Without it (the file was removed
 * since), acknowledge and resolve are measured the way the scorecard measures them, and the time
 * to the root cause is read back from the timeline's `scorecard` entry, which says it in words.
 */
import { scorecard } from '../drills/scorecard.js';
import type { Scenario } from '../drills/format.js';
import type { Incident } from '../incidents/model.js';
import type { TimelineEvent } from '../timeline/events.js';

export interface DrillPoint {
  id: string;
  number: number;
  scenario: string;
  title: string;
  /** Epoch ms when the drill started. */
  startedMs: number;
  speed: number;
  acknowledgeMs?: number;
  causeMs?: number;
  causeFound: boolean;
  resolveMs?: number;
  reference: { acknowledgeMs?: number; causeMs?: number; resolveMs?: number };
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, min: 60_000, s: 1000 };

/** Milliseconds of a duration written in words (`1 d 2 h`, `1 h 45 min`, `30 s`); undefined for anything else. */
export function wordsMs(words: string): number | undefined {
  const parts = [...words.trim().matchAll(/(\d+) (d|h|min|s)(?=\s|$)/g)];
  if (!parts.length) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNIT_MS[p[2] ?? ''] ?? 0), 0);
}

/** The time to the root cause the last `scorecard` entry of the timeline recorded, if it found one. */
export function causeFromScoreLine(timeline: readonly TimelineEvent[]): number | undefined {
  const entry = [...timeline].reverse().find((ev) => ev.kind === 'scorecard');
  const m = entry ? /root cause found after (.+?) \(reference/.exec(entry.text) : null;
  return m?.[1] ? wordsMs(m[1]) : undefined;
}

function withoutScenario(inc: Incident, timeline: readonly TimelineEvent[], speed: number): Omit<DrillPoint, 'id' | 'number' | 'scenario' | 'title' | 'startedMs' | 'speed'> {
  const detected = Date.parse(inc.detectedAt);
  const since = (iso: string | undefined) => (iso === undefined ? undefined : Math.max(0, Date.parse(iso) - detected) * speed);
  const causeMs = causeFromScoreLine(timeline);
  const acknowledgeMs = since(inc.acknowledgedAt);
  const resolveMs = since(inc.resolvedAt);
  return {
    ...(acknowledgeMs !== undefined ? { acknowledgeMs } : {}),
    ...(causeMs !== undefined ? { causeMs } : {}),
    causeFound: causeMs !== undefined,
    ...(resolveMs !== undefined ? { resolveMs } : {}),
    reference: {},
  };
}

/** The point of a resolved drill; undefined for a real incident or a drill still running. */
export function drillPoint(inc: Incident, timeline: readonly TimelineEvent[], scenario: Scenario | undefined): DrillPoint | undefined {
  if (!inc.drill || inc.status !== 'resolved') return undefined;
  const speed = inc.drill.speed ?? 1;
  const head = { id: inc.id, number: inc.number, scenario: inc.drill.scenario, title: scenario?.title ?? inc.title, startedMs: Date.parse(inc.drill.startedAt || inc.detectedAt), speed };
  if (!scenario) return { ...head, ...withoutScenario(inc, timeline, speed) };
  const card = scorecard(inc, timeline, scenario);
  const opt = (k: string, v: number | undefined) => (v === undefined ? {} : { [k]: v });
  return {
    ...head,
    ...opt('acknowledgeMs', card.acknowledge.drillMs),
    ...opt('causeMs', card.cause.found ? card.cause.drillMs : undefined),
    causeFound: card.cause.found,
    ...opt('resolveMs', card.resolve.drillMs),
    reference: { ...opt('acknowledgeMs', card.acknowledge.referenceMs), ...opt('causeMs', card.cause.referenceMs), ...opt('resolveMs', card.resolve.referenceMs) },
  };
}

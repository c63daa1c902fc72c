/**
 * The figures of the Insights page, from the incidents of a window of ISO weeks and their
 * timelines. Pure: records in, numbers out; `load.ts` reads the records, `src/web/insights/`
 * draws the numbers.
 *
 * - Incidents per week by severity, bucketed by the week (UTC, Monday start) of the real start.
 * - Time to acknowledge, mitigate and resolve per week: median and p90 of the incidents that
 *   started that week and reached the milestone. Quantiles are d3-array's (linear between the
 *   closest ranks: p90 of 1..10 is 9.1, the method of R's default and spreadsheets' PERCENTILE).
 * - Top services and alert groups by incident count.
 * - Drills are practice: never in the figures above, only in their own scorecards.
 * - Private incidents are counted in the weeks and times, never named: their service and group
 *   are not listed, only how many there were.
 */
import { ascending, quantileSorted } from 'd3-array';
import { SEVERITIES, type Severity } from '../domain.js';
import type { Scenario } from '../drills/format.js';
import type { Incident } from '../incidents/model.js';
import type { TimelineEvent } from '../timeline/events.js';
import { drillPoint, type DrillPoint } from './drills.js';
import { factsOf, type IncidentFacts } from './facts.js';
import { isoWeekLabel, isoWeekStart, lastWeeks, WEEK_MS } from './weeks.js';

export const MEASURES = ['acknowledge', 'mitigate', 'resolve'] as const;
export type Measure = (typeof MEASURES)[number];

const FIELD: Record<Measure, keyof IncidentFacts> = { acknowledge: 'toAcknowledgeMs', mitigate: 'toMitigateMs', resolve: 'toResolveMs' };

/** How many of a measure there were and their median and p90 (absent when there were none). */
export interface Spread {
  n: number;
  median?: number;
  p90?: number;
}

export interface WeekFigures {
  /** Monday 00:00 UTC, epoch ms. */
  start: number;
  /** `2025-W01`. */
  label: string;
  bySeverity: Record<Severity, number>;
  total: number;
  times: Record<Measure, Spread>;
}

export interface Ranked {
  name: string;
  count: number;
}

export interface Insights {
  weeks: WeekFigures[];
  /** Start of the first week and the time the figures were computed (epoch ms). */
  from: number;
  generatedAt: number;
  /** Real incidents in the window (private included, drills not). */
  total: number;
  private: number;
  topServices: Ranked[];
  topGroups: Ranked[];
  /** Resolved drills of the window, oldest first. */
  drills: DrillPoint[];
  /** True when the window held more incidents than were read. */
  truncated?: boolean;
}

export interface IncidentRecord {
  incident: Incident;
  timeline: readonly TimelineEvent[];
}

export interface InsightsOptions {
  now: Date;
  weeks: number;
  /** The drill scenario of that name, when it is loaded. */
  scenario?: (name: string) => Scenario | undefined;
  /** How many services and groups are ranked. */
  top?: number;
}

/** Median and p90 of some durations. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort(ascending);
  if (!sorted.length) return { n: 0 };
  return { n: sorted.length, median: quantileSorted(sorted, 0.5)!, p90: quantileSorted(sorted, 0.9)! };
}

/** The `top` most frequent names, most first, ties by name. */
export function rank(names: Iterable<string>, top: number): Ranked[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, top);
}

function weekOf(start: number, facts: readonly IncidentFacts[]): WeekFigures {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of facts) bySeverity[f.severity] += 1;
  const times = Object.fromEntries(
    MEASURES.map((m) => [m, spread(facts.flatMap((f) => (typeof f[FIELD[m]] === 'number' ? [f[FIELD[m]] as number] : [])))]),
  ) as Record<Measure, Spread>;
  return { start, label: isoWeekLabel(start), bySeverity, total: facts.length, times };
}

/** Every figure of the page for the `weeks` ISO weeks ending with the week of `now`. */
export function insightsOf(records: readonly IncidentRecord[], o: InsightsOptions): Insights {
  const starts = lastWeeks(o.now, o.weeks);
  const from = starts[0]!;
  const end = from + o.weeks * WEEK_MS;
  const inWindow = (t: number) => t >= from && t < end && t <= o.now.getTime();
  const facts: IncidentFacts[] = [];
  const drills: DrillPoint[] = [];
  for (const { incident, timeline } of records) {
    if (incident.drill) {
      const point = drillPoint(incident, timeline, o.scenario?.(incident.drill.scenario));
      if (point && inWindow(point.startedMs)) drills.push(point);
      continue;
    }
    const f = factsOf(incident, timeline);
    if (inWindow(f.detectedMs)) facts.push(f);
  }
  const byWeek = new Map<number, IncidentFacts[]>(starts.map((s) => [s, []]));
  for (const f of facts) byWeek.get(isoWeekStart(f.detectedMs))?.push(f);
  const top = o.top ?? 10;
  return {
    weeks: starts.map((s) => weekOf(s, byWeek.get(s) ?? [])),
    from,
    generatedAt: o.now.getTime(),
    total: facts.length,
    private: facts.filter((f) => f.private).length,
    topServices: rank(facts.flatMap((f) => (f.service ? [f.service] : [])), top),
    topGroups: rank(facts.flatMap((f) => (f.group ? [f.group] : [])), top),
    drills: drills.sort((a, b) => a.startedMs - b.startedMs),
  };
}

/**
 * Reads what Insights needs, in two round trips whatever the number of incidents: the window's
 * incident documents (`IncidentStore.listAll`, one pipelined read), then every timeline in one
 * pipeline (one XRANGE per incident: one key per command, so it stays cluster-safe; see `xranges`). Of a real
 * incident's timeline only the acknowledge, mitigate and resolve entries are parsed; the alerts,
 * ticks and notes of a storm are skipped as strings.
 */
import type { DrillSet } from '../drills/set.js';
import type { Incident } from '../incidents/model.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Keys } from '../keys.js';
import type { Redis } from '../redis.js';
import type { TimelineEvent } from '../timeline/events.js';
import { MILESTONE_KINDS } from './facts.js';
import { insightsOf, type IncidentRecord, type Insights } from './figures.js';
import { lastWeeks } from './weeks.js';

export interface InsightsDeps {
  incidents: Pick<IncidentStore, 'listAll'>;
  redis: Redis;
  keys: Keys;
  now: () => Date;
  /** The loaded drill scenarios, for the scorecards; without them scores are read from the timeline. */
  drills?: () => DrillSet;
}

/** At most this many incidents are read for one page (the newest, when there are more). */
export const MAX_INCIDENTS = 20_000;

type XRangeReply = [string, string[]][];

const MILESTONE = new RegExp(`"kind":"(?:${MILESTONE_KINDS.join('|')})"`);

/** The entries of one XRANGE reply, parsed; `all` false keeps only what `MILESTONE` matches. */
function parseEntries(rows: XRangeReply, all: boolean): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const [, fields] of rows) {
    const json = fields[1];
    if (!json || (!all && !MILESTONE.test(json))) continue;
    try {
      const ev = JSON.parse(json) as TimelineEvent;
      if (typeof ev.kind === 'string' && typeof ev.at === 'string') out.push(ev);
    } catch {
      // A damaged entry says nothing; the rest of the timeline still counts.
    }
  }
  return out;
}

/**
 * Every XRANGE at once: one pipeline on a single server; on a Cluster, where one pipeline must
 * stay within one node's slots, each command is sent to its own slot's node, all in flight
 * together (still one round trip per node, never one per incident).
 */
async function xranges(redis: Redis, keys: readonly string[]): Promise<XRangeReply[]> {
  if (redis.isCluster) return Promise.all(keys.map((k) => redis.xrange(k, '-', '+')));
  const pipe = redis.pipeline();
  for (const k of keys) pipe.xrange(k, '-', '+');
  const replies = (await pipe.exec()) ?? [];
  return replies.map(([err, rows]) => {
    if (err) throw err;
    return (rows ?? []) as XRangeReply;
  });
}

/** Every timeline of `incidents` in one round trip; a drill's whole, a real incident's milestones only. */
export async function timelinesOf(redis: Redis, keys: Keys, incidents: readonly Incident[]): Promise<IncidentRecord[]> {
  if (!incidents.length) return [];
  const replies = await xranges(redis, incidents.map((inc) => keys.timeline(inc.id)));
  return incidents.map((incident, i) => ({ incident, timeline: parseEntries(replies[i] ?? [], !!incident.drill) }));
}

/** The figures of the `weeks` ISO weeks ending with the current one. */
export async function loadInsights(d: InsightsDeps, weeks: number): Promise<Insights> {
  const now = d.now();
  const from = lastWeeks(now, weeks)[0]!;
  // Created in the window: an incident's real start is never after Beacon created it.
  const listed = await d.incidents.listAll({ from: new Date(from), to: now, limit: MAX_INCIDENTS + 1 });
  const truncated = listed.length > MAX_INCIDENTS;
  const wanted = listed
    .slice(0, MAX_INCIDENTS)
    .filter((i) => (i.drill ? i.status === 'resolved' : Date.parse(i.detectedAt) >= from));
  const records = await timelinesOf(d.redis, d.keys, wanted);
  const scenarios = d.drills?.().scenarios ?? [];
  const figures = insightsOf(records, { now, weeks, scenario: (name) => scenarios.find((s) => s.name === name) });
  return truncated ? { ...figures, truncated } : figures;
}

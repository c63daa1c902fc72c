import type { TimelineEvent, TimelineKind } from '../../timeline/events.js';
import { changeHeading, describeEvent, mdLine } from '../describe.js';
import { utcClock, utcDateKey, utcDay } from '../time.js';
import { sortedEvents, type Draft } from './draft.js';
import { addAlertLines, type AddLine } from './timeline-alerts.js';

interface Line {
  at: number;
  /** Tie-break for equal times: the order things were added in. */
  seq: number;
  text: string;
}

/** What the event lines saw, for the milestones and ticks the timeline lacks. */
interface Seen {
  kinds: Set<TimelineKind>;
  /** Ticked runbook steps, as `id:<stepId>` and `text:<step text>`. */
  ticked: Set<string>;
}

/** `## Timeline`: one line per meaningful event, in UTC, dated when it spans several days. */
export function timelineSection(dr: Draft): string[] {
  const { inc, now } = dr;
  const lines = timelineLines(dr);
  const multiDay = new Set(lines.map((l) => utcDateKey(new Date(l.at)))).size > 1;
  const out = ['## Timeline', ''];
  out.push(multiDay ? 'All times UTC.' : `All times UTC, on ${utcDay(lines[0] ? new Date(lines[0].at) : inc.detectedAt)}.`, '');
  for (const l of lines) {
    const t = new Date(l.at);
    out.push(`- ${multiDay ? `${utcDateKey(t)} ` : ''}${utcClock(t)} ${l.text}`);
  }
  if (dr.resolved === undefined) out.push(`- ${multiDay ? `${utcDateKey(now)} ` : ''}${utcClock(now)} Still open when this draft was written.`);
  out.push('');
  return out;
}

/** Every line of the Timeline section, in time order. */
function timelineLines(dr: Draft): Line[] {
  const events = sortedEvents(dr.input.timeline);
  const lines: Line[] = [];
  let seq = 0;
  const add: AddLine = (at, text) => {
    const t = typeof at === 'number' ? at : Date.parse(at);
    if (!Number.isNaN(t)) lines.push({ at: t, seq: seq++, text });
  };
  addAlertLines(dr, events, add);
  addChangeLines(dr, add);
  const seen = addEventLines(dr, events, add);
  addMissingMilestones(dr, seen, add);
  return lines.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/** Changes: from the change feed, which knows more (author, version) than a timeline entry. */
function addChangeLines(dr: Draft, add: AddLine): void {
  for (const c of dr.changes) {
    const extra = [mdLine(c.author), mdLine(c.version)].filter(Boolean).join(', ');
    add(c.at, `${changeHeading(c.kind)} to ${mdLine(c.service)}: ${mdLine(c.summary)}${extra ? ` (${extra})` : ''}`);
  }
}

/**
 * People's and Beacon's events, described one by one. Alerts and detection have lines of their
 * own; a change already listed from the feed (same id, or same time and summary) is not repeated.
 */
function addEventLines(dr: Draft, events: TimelineEvent[], add: AddLine): Seen {
  const changeIds = new Set(dr.changes.map((c) => c.id));
  const changeKeys = new Set(dr.changes.map((c) => `${Date.parse(c.at)}|${c.summary}`));
  const seen: Seen = { kinds: new Set(), ticked: new Set() };
  for (const ev of events) {
    switch (ev.kind) {
      case 'incident.opened':
      case 'incident.declared':
      case 'alert.firing':
      case 'alert.resolved':
      case 'summary':
        continue;
      case 'change': {
        // The runbook runtime records the feed's change id as `data.id`.
        const id = typeof ev.data?.id === 'string' ? ev.data.id : undefined;
        if ((id && changeIds.has(id)) || changeKeys.has(`${Date.parse(ev.at)}|${ev.text}`)) continue;
        break;
      }
      case 'checklist.tick': {
        // The runbook runtime records the ticked step as `data.stepId`.
        const step = typeof ev.data?.stepId === 'string' ? ev.data.stepId : undefined;
        if (step) seen.ticked.add(`id:${step}`);
        seen.ticked.add(`text:${ev.text}`);
        break;
      }
    }
    seen.kinds.add(ev.kind);
    const text = describeEvent(ev, dr.fmt);
    if (text) add(ev.at, text);
  }
  return seen;
}

/**
 * Milestones the incident records but the timeline lacks (an older timeline, a lost append), and
 * runbook ticks the checklist records with a time but the timeline does not.
 */
function addMissingMilestones(dr: Draft, seen: Seen, add: AddLine): void {
  const { inc, fmt } = dr;
  if (!seen.kinds.has('acknowledged') && inc.acknowledgedAt && inc.acknowledgedAt !== inc.mitigatedAt && inc.acknowledgedAt !== inc.resolvedAt) {
    add(inc.acknowledgedAt, `Acknowledged${inc.acknowledgedBy ? ` by ${fmt.who(inc.acknowledgedBy)}` : ''}`);
  }
  if (!seen.kinds.has('mitigated') && inc.mitigatedAt) add(inc.mitigatedAt, `Mitigated${inc.mitigation ? `: ${mdLine(inc.mitigation)}` : ''}`);
  if (!seen.kinds.has('resolved') && inc.status === 'resolved' && inc.resolvedAt) {
    add(inc.resolvedAt, `Resolved${inc.resolvedBy ? ` by ${fmt.who(inc.resolvedBy)}` : ''}${inc.resolution ? `: ${mdLine(inc.resolution)}` : ''}`);
  }
  for (const step of dr.input.checklist?.steps ?? []) {
    if (!step.done || !step.at || seen.ticked.has(`id:${step.id}`) || seen.ticked.has(`text:${step.text}`)) continue;
    add(step.at, `Runbook step done: ${mdLine(step.text)}${step.by ? ` (${fmt.who(step.by)})` : ''}`);
  }
}

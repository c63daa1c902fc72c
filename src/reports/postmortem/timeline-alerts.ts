import type { AlertRecord } from '../../incidents/store.js';
import type { TimelineEvent } from '../../timeline/events.js';
import { mdLine } from '../describe.js';
import type { Draft } from './draft.js';

/** Distinct alerts listed one by one in the timeline; the rest are counted in one line. */
const ALERT_LINES = 15;

/** Puts one line on the timeline at a time (ISO or epoch ms); lines with no valid time are dropped. */
export type AddLine = (at: string | number, text: string) => void;

/** One distinct alert's events: every time it started firing, and its latest event. */
interface AlertGroup {
  firing: TimelineEvent[];
  last: TimelineEvent;
}

/** An alert event's fingerprint, as the incident service records it; the title for older events. */
const fingerprintOf = (ev: TimelineEvent) => (typeof ev.data?.fingerprint === 'string' ? ev.data.fingerprint : `title:${ev.text}`);

/** Alert events by fingerprint, in the order each alert first appears. */
function alertGroups(events: TimelineEvent[]): Map<string, AlertGroup> {
  const groups = new Map<string, AlertGroup>();
  for (const ev of events) {
    if (ev.kind !== 'alert.firing' && ev.kind !== 'alert.resolved') continue;
    const fp = fingerprintOf(ev);
    const g = groups.get(fp) ?? { firing: [], last: ev };
    if (ev.kind === 'alert.firing') g.firing.push(ev);
    g.last = ev;
    groups.set(fp, g);
  }
  return groups;
}

/** ` (fired 2 times, 14 notifications)`: repeats are counted on the alert's line, not listed. */
function repeatsOf(alerts: AlertRecord[]): (fp: string, fired: number) => string {
  const records = new Map(alerts.map((a) => [a.fingerprint, a]));
  return (fp, fired) => {
    const parts: string[] = [];
    if (fired > 1) parts.push(`fired ${fired} times`);
    const count = records.get(fp)?.count ?? 0;
    if (count > 1) parts.push(`${count} notifications`);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };
}

/**
 * The alert lines of the timeline: detection first (the incident's own opening event, else its
 * first alert, else the declare), then one line per other distinct alert, its repeats counted on
 * it, and one line counting those past the first {@link ALERT_LINES}.
 */
export function addAlertLines(dr: Draft, events: TimelineEvent[], add: AddLine): void {
  const groups = alertGroups(events);
  const repeats = repeatsOf(dr.input.alerts);
  const detectionFp = addDetection(dr, events, groups, repeats, add);
  let listed = 0;
  const unlisted: TimelineEvent[] = [];
  for (const [fp, g] of groups) {
    const isDetection = dr.inc.origin !== 'declared' && fp === detectionFp;
    const first = g.firing[0];
    if (!isDetection && first) {
      if (listed < ALERT_LINES) {
        add(first.at, `Alert firing: ${mdLine(first.text)}${repeats(fp, g.firing.length)}`);
        listed++;
      } else {
        unlisted.push(first);
        continue;
      }
    }
    if (g.last.kind === 'alert.resolved') add(g.last.at, `Alert cleared: ${mdLine(g.last.text)}`);
  }
  if (unlisted.length) {
    add(unlisted[0]!.at, `${unlisted.length} more distinct alert${unlisted.length === 1 ? '' : 's'} fired from here on (not listed; see the incident's alerts message).`);
  }
}

/** The detection line; returns the fingerprint of the alert it stands for, if any. */
function addDetection(dr: Draft, events: TimelineEvent[], groups: Map<string, AlertGroup>, repeats: ReturnType<typeof repeatsOf>, add: AddLine): string | undefined {
  const { inc, fmt } = dr;
  const opened = events.find((e) => e.kind === 'incident.opened');
  const declared = events.find((e) => e.kind === 'incident.declared');
  const firstFiring = events.find((e) => e.kind === 'alert.firing');
  const firstRecord = [...dr.input.alerts].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))[0];
  const detectionFp = firstFiring ? fingerprintOf(firstFiring) : firstRecord?.fingerprint;
  if (inc.origin === 'declared' || (declared && !opened)) {
    const who = fmt.who(declared?.actor ?? inc.declaredBy);
    add(declared?.at ?? inc.detectedAt, `Declared${who ? ` by ${who}` : ''}: ${mdLine(declared?.text || inc.title)}`);
  } else {
    const title = mdLine(opened?.text || firstFiring?.text || firstRecord?.title || inc.title);
    const source = opened?.actor ?? firstFiring?.actor;
    const fired = detectionFp ? (groups.get(detectionFp)?.firing.length ?? 1) : 1;
    add(opened?.at ?? inc.detectedAt, `Detected: ${title}${source ? ` (alert from ${fmt.who(source)})` : ''}${detectionFp ? repeats(detectionFp, fired) : ''}`);
  }
  return detectionFp;
}

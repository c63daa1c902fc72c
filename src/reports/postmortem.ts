import type { ChangeEvent, ChangeKind } from '../domain.js';
import { durations, type Incident } from '../incidents/model.js';
import type { AlertRecord } from '../incidents/store.js';
import { isSlackUser, type TimelineEvent } from '../timeline/events.js';
import { spanWords, utcClock, utcDateKey, utcDay, utcRange } from './time.js';

/** How far before detection a change is put in front of the team as a root-cause candidate. */
export const CHANGE_WINDOW_MS = 6 * 3600 * 1000;
/** Distinct alerts listed one by one in the timeline; the rest are counted in one line. */
const ALERT_LINES = 15;

export interface ChecklistStep {
  id: string;
  text: string;
  done: boolean;
  /** Slack user id of whoever ticked it. */
  by?: string;
  /** ISO time of the tick. */
  at?: string;
}

export interface PostmortemInput {
  incident: Incident;
  /** The incident's timeline, in any order. */
  timeline: TimelineEvent[];
  alerts: AlertRecord[];
  /** Changes to the incident's service; those from 6 hours before detection to the end are used. */
  changes: ChangeEvent[];
  checklist?: { runbook: string; steps: ChecklistStep[] };
  /** Slack user id -> display name. */
  users?: Record<string, string>;
  now: Date;
}

/** What an event line needs to name people and carry untrusted text into one output format. */
export interface EventFormat {
  /** Untrusted free text, made safe for the output. */
  text(s: string | undefined): string;
  /** An actor: a Slack user id or a system name (`alertmanager`, `beacon`). */
  who(actor: string | undefined): string;
}

const CHANGE_LABEL: Record<ChangeKind, string> = {
  deploy: 'Deploy',
  config: 'Config change',
  credentials: 'Credentials change',
  feature_flag: 'Feature flag change',
  infra: 'Infrastructure change',
};

/** Changes of these kinds are the ones that broke the seed incident: always named as candidates. */
const RISKY_KINDS: ReadonlySet<ChangeKind> = new Set(['credentials', 'config']);

const TODO = (what: string) => `> _TODO (team): ${what}_`;

/**
 * One line of Markdown: untrusted text keeps its words but loses the line breaks that would let it
 * end a list item or start a heading of its own.
 */
export function mdLine(s: string | undefined): string {
  if (!s) return '';
  return s.replace(/[\r\n\u2028\u2029\u0085]+/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
}

/**
 * One line describing a timeline event, or null for events a reader does not need (summaries
 * Beacon posted itself). Alert events are described one by one here; callers summarize repeats.
 */
export function describeEvent(ev: TimelineEvent, f: EventFormat): string | null {
  const by = (prefix = ' by') => (ev.actor ? `${prefix} ${f.who(ev.actor)}` : '');
  const paren = () => (ev.actor ? ` (${f.who(ev.actor)})` : '');
  const text = f.text(ev.text);
  const withText = (head: string) => (text ? `${head}: ${text}` : head);
  const data = ev.data ?? {};
  const str = (k: string) => (typeof data[k] === 'string' || typeof data[k] === 'number' ? String(data[k]) : undefined);
  switch (ev.kind) {
    case 'incident.opened':
      return `Detected: ${text}${ev.actor ? ` (alert from ${f.who(ev.actor)})` : ''}`;
    case 'incident.declared':
      return withText(`Declared${by()}`);
    case 'alert.firing':
      return `Alert firing: ${text}`;
    case 'alert.resolved':
      return `Alert cleared: ${text}`;
    case 'change': {
      const kind = str('kind') as ChangeKind | undefined;
      const label = kind && kind in CHANGE_LABEL ? CHANGE_LABEL[kind] : 'Change';
      const service = str('service');
      return `${label}${service ? ` to ${f.text(service)}` : ''}: ${text}${paren()}`;
    }
    case 'acknowledged':
      return text && !isSlackUser(ev.actor) ? text : `Acknowledged${by()}`;
    case 'severity': {
      const from = str('from');
      const to = str('to');
      if (to) return `Severity ${from ? `${f.text(from)} → ` : 'set to '}${f.text(to)}${by()}`;
      return withText(`Severity changed${by()}`);
    }
    case 'lead': {
      const to = str('to') ?? str('lead') ?? (isSlackUser(ev.text) ? ev.text : undefined);
      if (to) return `Lead: ${f.who(to)}${ev.actor && ev.actor !== to ? ` (set by ${f.who(ev.actor)})` : ''}`;
      return withText(`Lead changed${by()}`);
    }
    case 'update':
      return `Status update: ${text}${paren()}`;
    case 'note':
      return `${text || 'Note'}${paren()}`;
    case 'task':
      return `Follow-up task: ${text}${paren()}`;
    case 'checklist.tick':
      return `Runbook step done: ${text}${paren()}`;
    case 'checklist.untick':
      return `Runbook step unticked: ${text}${paren()}`;
    case 'check.result': {
      const name = str('check') ?? str('name');
      const status = str('status');
      return `Check${name ? ` ${f.text(name)}` : ''}${status ? ` ${f.text(status)}` : ''}${text ? `: ${text}` : ''}`;
    }
    case 'runbook.attached':
      return withText(`Runbook attached${by()}`);
    case 'escalation':
      return withText('Escalated');
    case 'mitigated':
      return withText(`Mitigated${by()}`);
    case 'resolved':
      return withText(`Resolved${by()}`);
    case 'reopened':
      return withText(`Reopened${by()}`);
    case 'pinned':
      return `Pinned message${ev.actor ? ` from ${f.who(ev.actor)}` : ''}: ${text}`;
    case 'summary':
      return null;
  }
}

interface Line {
  at: number;
  /** Tie-break for equal times: the order things were added in. */
  seq: number;
  text: string;
}

/**
 * The postmortem draft as Markdown, in the shape of the seed postmortem: what Beacon saw, in
 * order, and clearly marked prompts where only the team knows the answer (impact, root cause,
 * measures). Nothing is invented: a missing fact stays a TODO.
 */
export function renderPostmortem(input: PostmortemInput): string {
  const { incident: inc, now } = input;
  const users = input.users ?? {};
  const fmt: EventFormat = {
    text: mdLine,
    who: (actor) => {
      if (!actor) return '';
      if (isSlackUser(actor)) return `@${mdLine(users[actor]) || actor}`;
      return mdLine(actor);
    },
  };
  const detected = Date.parse(inc.detectedAt);
  const resolved = inc.status === 'resolved' && inc.resolvedAt ? Date.parse(inc.resolvedAt) : undefined;
  const end = resolved ?? now.getTime();
  const d = durations(inc, now);

  const changes = [...input.changes]
    .filter((c) => {
      const t = Date.parse(c.at);
      return t >= detected - CHANGE_WINDOW_MS && t <= end;
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const before = changes.filter((c) => Date.parse(c.at) <= detected);
  const during = changes.filter((c) => Date.parse(c.at) > detected);

  const out: string[] = [];
  out.push(`# Postmortem: ${mdLine(inc.title) || `incident #${inc.number}`}`, '');
  const meta = [
    `Incident #${inc.number}`,
    `${inc.severity.toUpperCase()}`,
    ...(inc.service ? [`service ${mdLine(inc.service)}`] : []),
    ...(inc.lead ? [`lead ${fmt.who(inc.lead)}`] : []),
    `status ${inc.status}`,
  ];
  out.push(
    `_${meta.join(' · ')}. Draft written by Beacon on ${utcDay(now)}, ${utcClock(now)} UTC from the incident's timeline; every "TODO (team)" needs a person._`,
    '',
  );

  // Issue Summary
  out.push('## Issue Summary', '');
  const duration =
    resolved !== undefined
      ? `${utcRange(inc.detectedAt, new Date(resolved))} (${spanWords(d.toResolve)})`
      : `${utcDay(inc.detectedAt)}, ${utcClock(inc.detectedAt)} UTC - ongoing (${spanWords(d.elapsed)} so far, as of ${utcDay(now)}, ${utcClock(now)} UTC)`;
  out.push(`**Duration:** ${duration}`, '');
  out.push('**Impact:**', '', TODO('describe the impact on users: who, how many, for how long.'));
  const signals = alertSignals(input.alerts);
  if (signals) out.push('>', `> What Beacon saw: ${signals}`);
  out.push('');
  out.push('**Root Cause:**', '', ...rootCausePrompt(inc, before, fmt, 'state the root cause in one sentence: what failed, and why.', true), '');
  out.push(`**Metrics:** ${metrics(inc, d)} (from detection at ${utcClock(inc.detectedAt)} UTC).`, '');
  if (input.alerts.length) {
    const notifications = input.alerts.reduce((n, a) => n + a.count, 0);
    out.push(
      `**Alerts:** ${input.alerts.length} distinct, ${notifications} notification${notifications === 1 ? '' : 's'} in all; repeats are counted, not listed, in the timeline.`,
      '',
    );
  }

  // Timeline
  out.push('## Timeline', '');
  const lines = timelineLines(input, changes, fmt);
  const days = new Set(lines.map((l) => utcDateKey(new Date(l.at))));
  const multiDay = days.size > 1;
  out.push(multiDay ? 'All times UTC.' : `All times UTC, on ${utcDay(lines[0] ? new Date(lines[0].at) : inc.detectedAt)}.`, '');
  for (const l of lines) {
    const t = new Date(l.at);
    out.push(`- ${multiDay ? `${utcDateKey(t)} ` : ''}${utcClock(t)} ${l.text}`);
  }
  if (resolved === undefined) out.push(`- ${multiDay ? `${utcDateKey(now)} ` : ''}${utcClock(now)} Still open when this draft was written.`);
  out.push('');

  // Root Cause and Resolution
  out.push('## Root Cause and Resolution', '');
  out.push(
    '**Root Cause:**',
    '',
    ...rootCausePrompt(inc, before, fmt, 'explain the root cause: what failed, why, and why it was not caught sooner.', false),
  );
  if (during.length) {
    out.push('', 'Changes made while the incident was open:', '');
    for (const c of during) out.push(`- ${changeCandidate(c, inc.detectedAt)}`);
  }
  out.push('');
  const mitigatedBy = lastActor(input.timeline, 'mitigated');
  if (inc.mitigatedAt) {
    const when = `${stamp(inc.mitigatedAt, inc.detectedAt)}${mitigatedBy ? ` by ${fmt.who(mitigatedBy)}` : ''}`;
    out.push(
      '**Mitigation:**',
      '',
      ...(inc.mitigation ? [`${mdLine(inc.mitigation)} (${when})`] : [`Marked mitigated ${when}.`, '', TODO('describe what was done to mitigate.')]),
      '',
    );
  }
  out.push('**Resolution:**', '');
  if (resolved === undefined) out.push('_The incident is not resolved yet._');
  else {
    const when = `${stamp(inc.resolvedAt!, inc.detectedAt)}${inc.resolvedBy ? ` by ${fmt.who(inc.resolvedBy)}` : ''}`;
    if (inc.resolution) out.push(`${mdLine(inc.resolution)} (${when})`);
    else out.push(`Resolved ${when}.`, '', TODO('describe what fixed it, and how you confirmed it was fixed.'));
  }
  out.push('');

  // Corrective and Preventative Measures
  out.push('## Corrective and Preventative Measures', '');
  out.push(TODO('list what will stop this from happening again and catch it sooner next time: fixes, monitoring, process. Give each an owner and add it to the task list.'));
  out.push('');

  // Task List
  out.push('## Task List', '');
  const tasks: string[] = [];
  for (const ev of sortedEvents(input.timeline)) {
    if (ev.kind !== 'task') continue;
    tasks.push(`- [ ] ${mdLine(ev.text)}${ev.actor ? ` (by ${fmt.who(ev.actor)})` : ''}`);
  }
  for (const step of input.checklist?.steps ?? []) {
    if (!step.done) tasks.push(`- [ ] ${mdLine(step.text)} (runbook ${mdLine(input.checklist!.runbook)}, not done during the incident)`);
  }
  if (tasks.length) out.push(...tasks);
  else out.push(TODO('no follow-up tasks were recorded during the incident; list them here.'));
  out.push('');
  return out.join('\n');
}

function metrics(inc: Incident, d: ReturnType<typeof durations>): string {
  return [
    `time to acknowledge ${inc.acknowledgedAt ? spanWords(d.toAcknowledge) : 'n/a (not acknowledged)'}`,
    `time to mitigate ${inc.mitigatedAt ? spanWords(d.toMitigate) : 'n/a (not marked mitigated)'}`,
    `time to resolve ${inc.status === 'resolved' && inc.resolvedAt ? spanWords(d.toResolve) : 'n/a (ongoing)'}`,
  ].join(' · ');
}

function alertSignals(alerts: AlertRecord[]): string {
  if (!alerts.length) return '';
  const top = [...alerts].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt)).slice(0, 3);
  const more = alerts.length - top.length;
  return `${alerts.length === 1 ? 'alert' : 'alerts'} ${top.map((a) => `"${mdLine(a.title)}"`).join(', ')}${more > 0 ? ` and ${more} more` : ''}.`;
}

/**
 * The root-cause prompt. The seed's lesson: 45 minutes went into restarting servers while a
 * credentials change made 12 minutes before the alert went unexamined. So the changes before
 * detection are named here, credentials and config changes called out, as candidates to rule out,
 * never as a conclusion.
 */
function rootCausePrompt(inc: Incident, before: ChangeEvent[], fmt: EventFormat, ask: string, hintFix: boolean): string[] {
  const out = [TODO(ask)];
  out.push('>');
  if (before.length) {
    out.push(`> Changes in the ${CHANGE_WINDOW_MS / 3600_000} hours before detection (candidates to rule in or out):`);
    for (const c of before) out.push(`> - ${changeCandidate(c, inc.detectedAt)}`);
    const risky = before.filter((c) => RISKY_KINDS.has(c.kind));
    if (risky.length) {
      out.push(
        '>',
        `> ${risky.length === 1 ? 'One of them changed' : `${risky.length} of them changed`} credentials or configuration: ${risky.map((c) => `"${mdLine(c.summary)}" (${c.kind})`).join(', ')}. Check ${risky.length === 1 ? 'it' : 'them'} first.`,
      );
    }
  } else {
    out.push(`> Beacon recorded no changes${inc.service ? ` to ${mdLine(inc.service)}` : ''} in the ${CHANGE_WINDOW_MS / 3600_000} hours before detection.`);
  }
  if (!hintFix) return out;
  if (inc.resolution) out.push('>', `> What fixed it, as recorded at resolution: "${mdLine(inc.resolution)}"${fmt.who(inc.resolvedBy) ? ` (${fmt.who(inc.resolvedBy)})` : ''}.`);
  else if (inc.mitigation) out.push('>', `> What mitigated it: "${mdLine(inc.mitigation)}".`);
  return out;
}

/** `08:18 UTC: Rotate payment gateway API key (checkout, deploy-bot, v1.2) (credentials)`. */
function changeCandidate(c: ChangeEvent, detectedAt: string): string {
  const extra = [mdLine(c.service), mdLine(c.author), mdLine(c.version)].filter(Boolean).join(', ');
  const link = c.link ? ` ${mdLine(c.link)}` : '';
  return `${stamp(c.at, detectedAt)}: ${mdLine(c.summary)}${extra ? ` (${extra})` : ''}${link} (${c.kind})`;
}

/** `10:05 UTC`, with the date when it is not the day of detection. */
function stamp(iso: string, detectedAt: string): string {
  const day = utcDateKey(iso) === utcDateKey(detectedAt) ? '' : `${utcDay(iso)}, `;
  return `${day}${utcClock(iso)} UTC`;
}

function lastActor(timeline: TimelineEvent[], kind: TimelineEvent['kind']): string | undefined {
  return sortedEvents(timeline).filter((e) => e.kind === kind).at(-1)?.actor;
}

function sortedEvents(timeline: TimelineEvent[]): TimelineEvent[] {
  return timeline
    .map((ev, i) => ({ ev, i }))
    .sort((a, b) => Date.parse(a.ev.at) - Date.parse(b.ev.at) || a.i - b.i)
    .map((x) => x.ev);
}

const fingerprintOf = (ev: TimelineEvent) => (typeof ev.data?.fingerprint === 'string' ? ev.data.fingerprint : `title:${ev.text}`);

/** Every line of the Timeline section, in time order. */
function timelineLines(input: PostmortemInput, changes: ChangeEvent[], fmt: EventFormat): Line[] {
  const { incident: inc } = input;
  const events = sortedEvents(input.timeline);
  const lines: Line[] = [];
  let seq = 0;
  const add = (at: string | number, text: string) => {
    const t = typeof at === 'number' ? at : Date.parse(at);
    if (!Number.isNaN(t)) lines.push({ at: t, seq: seq++, text });
  };
  const records = new Map(input.alerts.map((a) => [a.fingerprint, a]));

  // Alerts: one line per distinct alert, its repeats counted on it; the first one is detection.
  const groups = new Map<string, { firing: TimelineEvent[]; last: TimelineEvent }>();
  for (const ev of events) {
    if (ev.kind !== 'alert.firing' && ev.kind !== 'alert.resolved') continue;
    const fp = fingerprintOf(ev);
    const g = groups.get(fp) ?? { firing: [], last: ev };
    if (ev.kind === 'alert.firing') g.firing.push(ev);
    g.last = ev;
    groups.set(fp, g);
  }
  const repeats = (fp: string, fired: number) => {
    const parts: string[] = [];
    if (fired > 1) parts.push(`fired ${fired} times`);
    const count = records.get(fp)?.count ?? 0;
    if (count > 1) parts.push(`${count} notifications`);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };

  // Detection: the incident's own opening event, else its first alert, else the declare.
  const opened = events.find((e) => e.kind === 'incident.opened');
  const declared = events.find((e) => e.kind === 'incident.declared');
  const firstFiring = events.find((e) => e.kind === 'alert.firing');
  const firstRecord = [...input.alerts].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))[0];
  const detectionFp = firstFiring ? fingerprintOf(firstFiring) : firstRecord?.fingerprint;
  if (inc.origin === 'declared' || (declared && !opened)) {
    add(declared?.at ?? inc.detectedAt, `Declared${fmt.who(declared?.actor ?? inc.declaredBy) ? ` by ${fmt.who(declared?.actor ?? inc.declaredBy)}` : ''}: ${mdLine(declared?.text || inc.title)}`);
  } else {
    const title = mdLine(opened?.text || firstFiring?.text || firstRecord?.title || inc.title);
    const source = opened?.actor ?? firstFiring?.actor;
    const fired = detectionFp ? (groups.get(detectionFp)?.firing.length ?? 1) : 1;
    add(opened?.at ?? inc.detectedAt, `Detected: ${title}${source ? ` (alert from ${fmt.who(source)})` : ''}${detectionFp ? repeats(detectionFp, fired) : ''}`);
  }

  let listed = 0;
  const unlisted: TimelineEvent[] = [];
  for (const [fp, g] of groups) {
    const isDetection = inc.origin !== 'declared' && fp === detectionFp;
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

  // Changes: from the change feed, which knows more (author, version) than a timeline entry.
  const changeIds = new Set(changes.map((c) => c.id));
  const changeKeys = new Set(changes.map((c) => `${Date.parse(c.at)}|${c.summary}`));
  for (const c of changes) {
    const extra = [mdLine(c.author), mdLine(c.version)].filter(Boolean).join(', ');
    add(c.at, `${CHANGE_LABEL[c.kind] ?? 'Change'} to ${mdLine(c.service)}: ${mdLine(c.summary)}${extra ? ` (${extra})` : ''}`);
  }

  const ticked = new Set<string>();
  const seen = new Set<string>();
  for (const ev of events) {
    switch (ev.kind) {
      case 'incident.opened':
      case 'incident.declared':
      case 'alert.firing':
      case 'alert.resolved':
      case 'summary':
        continue;
      case 'change': {
        const id = typeof ev.data?.id === 'string' ? ev.data.id : typeof ev.data?.changeId === 'string' ? ev.data.changeId : undefined;
        if ((id && changeIds.has(id)) || changeKeys.has(`${Date.parse(ev.at)}|${ev.text}`)) continue;
        break;
      }
      case 'checklist.tick': {
        const step = typeof ev.data?.stepId === 'string' ? ev.data.stepId : typeof ev.data?.step === 'string' ? ev.data.step : undefined;
        if (step) ticked.add(`id:${step}`);
        ticked.add(`text:${ev.text}`);
        break;
      }
    }
    seen.add(ev.kind);
    const text = describeEvent(ev, fmt);
    if (text) add(ev.at, text);
  }

  // Milestones the incident records but the timeline lacks (an older timeline, a lost append).
  if (!seen.has('acknowledged') && inc.acknowledgedAt && inc.acknowledgedAt !== inc.mitigatedAt && inc.acknowledgedAt !== inc.resolvedAt) {
    add(inc.acknowledgedAt, `Acknowledged${inc.acknowledgedBy ? ` by ${fmt.who(inc.acknowledgedBy)}` : ''}`);
  }
  if (!seen.has('mitigated') && inc.mitigatedAt) add(inc.mitigatedAt, `Mitigated${inc.mitigation ? `: ${mdLine(inc.mitigation)}` : ''}`);
  if (!seen.has('resolved') && inc.status === 'resolved' && inc.resolvedAt) {
    add(inc.resolvedAt, `Resolved${inc.resolvedBy ? ` by ${fmt.who(inc.resolvedBy)}` : ''}${inc.resolution ? `: ${mdLine(inc.resolution)}` : ''}`);
  }
  // Runbook ticks the checklist records with a time but the timeline does not.
  for (const step of input.checklist?.steps ?? []) {
    if (!step.done || !step.at || ticked.has(`id:${step.id}`) || ticked.has(`text:${step.text}`)) continue;
    add(step.at, `Runbook step done: ${mdLine(step.text)}${step.by ? ` (${fmt.who(step.by)})` : ''}`);
  }

  return lines.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

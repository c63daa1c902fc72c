import { SEVERITIES } from '../domain.js';
import { durations, type Incident } from '../incidents/model.js';
import type { AlertRecord } from '../incidents/store.js';
import { cut, esc, mention, slackDate } from '../slack/escape.js';
import { formatDuration, SEVERITY_LABEL, STATUS_LABEL } from '../slack/blocks/card.js';
import { context, plain, section, type Block, type SlackMessage } from '../slack/blocks/types.js';
import { isSlackUser, type TimelineEvent } from '../timeline/events.js';
import { describeEvent, mdLine, type EventFormat } from './postmortem.js';

/** Events listed one by one; older ones are counted. */
const EVENTS_SHOWN = 12;
/** Alert events listed one by one before they collapse into one line (alert storms). */
const ALERT_EVENTS_SHOWN = 3;
const STEPS_SHOWN = 5;
const ALERTS_SHOWN = 5;
/** Block Kit: section text at most 3000 characters; leave room for the heading line. */
const SECTION_MAX = 2900;
const MAX_BLOCKS = 50;

export interface SummaryInput {
  incident: Incident;
  /** ISO time of the previous summary; only what happened after it is listed. */
  since?: string;
  /**
   * With `since`: ids of the events recorded after the previous summary. These are what is new,
   * whatever their time: a message pinned now may have been written before the last summary, an
   * alert may have started firing before it was delivered. Without it, events dated after
   * `since` are.
   */
  fresh?: ReadonlySet<string>;
  timeline: TimelineEvent[];
  alerts: AlertRecord[];
  /** Runbook steps nobody ticked yet, in runbook order. */
  openSteps: { text: string }[];
  /**
   * Slack user id -> display name. When given, people are named (`@alice`) instead of mentioned,
   * so that a periodic summary does not notify everyone who ever acted on the incident.
   */
  users?: Record<string, string>;
  now: Date;
}

/**
 * The channel summary: where the incident stands and what happened since the last one. Returns
 * null when nothing happened since `since`, so a periodic summary can be skipped. Every piece of
 * untrusted text is escaped; sections stay within Block Kit's limits however long the incident.
 */
export function renderSummary(input: SummaryInput): SlackMessage | null {
  const { incident: inc, now } = input;
  const sinceMs = input.since ? Date.parse(input.since) : Number.NaN;
  const hasSince = !Number.isNaN(sinceMs);
  const events = input.timeline
    .map((ev, i) => ({ ev, i, t: Date.parse(ev.at) }))
    .filter((x) => x.ev.kind !== 'summary' && !Number.isNaN(x.t) && (!hasSince || (input.fresh ? input.fresh.has(x.ev.id) : x.t > sinceMs)))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.ev);
  if (hasSince && events.length === 0) return null;

  const users = input.users ?? {};
  const fmt: EventFormat = {
    text: (s) => cut(esc(mdLine(s)), 300),
    who: (actor) => {
      if (!actor) return '';
      if (isSlackUser(actor)) return users[actor] ? `@${esc(cut(mdLine(users[actor]), 80))}` : mention(actor);
      return esc(cut(mdLine(actor), 80));
    },
  };
  const d = durations(inc, now);
  const firing = input.alerts.filter((a) => a.status !== 'resolved');

  const blocks: Block[] = [];
  blocks.push({ type: 'header', text: plain(cut(`📋 Summary · #${inc.number} ${esc(inc.title)}`, 150)) });
  blocks.push({
    type: 'section',
    fields: [
      `*Status*\n${STATUS_LABEL[inc.status]}`,
      `*Severity*\n${SEVERITY_LABEL[inc.severity]}`,
      `*Lead*\n${inc.lead ? fmt.who(inc.lead) : '—'}`,
      inc.status === 'resolved' ? `*Duration*\n${formatDuration(d.toResolve)}` : `*Elapsed*\n${formatDuration(d.elapsed)}`,
    ].map((text) => ({ type: 'mrkdwn', text })),
  });

  // What happened: people's events one by one; alert churn collapses so a storm cannot crowd them out.
  const alertEvents = events.filter((e) => e.kind === 'alert.firing' || e.kind === 'alert.resolved');
  const collapse = alertEvents.length > ALERT_EVENTS_SHOWN;
  const lines: string[] = [];
  for (const ev of events) {
    if (collapse && (ev.kind === 'alert.firing' || ev.kind === 'alert.resolved')) continue;
    const text = describeEvent(ev, fmt);
    if (text) lines.push(`• ${slackDate(ev.at, '{time}')} ${text}`);
  }
  if (collapse) {
    const started = alertEvents.filter((e) => e.kind === 'alert.firing').length;
    const cleared = alertEvents.length - started;
    lines.push(`• ${started} alert${started === 1 ? '' : 's'} started firing, ${cleared} cleared (see the alerts message)`);
  }
  const heading = hasSince ? `*Since the last summary* (${slackDate(new Date(sinceMs).toISOString(), '{time}')})` : '*What happened*';
  if (lines.length) blocks.push(section(fitLatest(heading, lines, EVENTS_SHOWN)));
  else blocks.push(section(`${heading}\nNothing recorded yet.`));

  const update = [...input.timeline].filter((e) => e.kind === 'update').sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  const updateText = update?.text || inc.lastUpdate;
  if (updateText) {
    const at = update?.at ?? inc.lastUpdateAt;
    const by = update?.actor ? ` by ${fmt.who(update.actor)}` : '';
    blocks.push(section(`*Latest update*${at ? ` (${slackDate(at, '{time}')}${by})` : by}\n${cut(esc(updateText), 2600)}`));
  }

  if (input.openSteps.length) {
    const shown = input.openSteps.slice(0, STEPS_SHOWN).map((s) => `☐ ${cut(esc(mdLine(s.text)), 300)}`);
    const more = input.openSteps.length - shown.length;
    blocks.push(section(fitFirst(`*Open checklist steps*: ${input.openSteps.length}`, shown, more)));
  }

  if (firing.length) {
    const rank = (a: AlertRecord) => SEVERITIES.indexOf(a.severity);
    const top = [...firing].sort((a, b) => rank(a) - rank(b) || b.count - a.count || a.title.localeCompare(b.title)).slice(0, ALERTS_SHOWN);
    const shown = top.map((a) => `🔥 ${cut(esc(mdLine(a.title)), 200)}${a.count > 1 ? ` ×${a.count}` : ''}`);
    blocks.push(section(fitFirst(`*Alerts firing*: ${firing.length} of ${input.alerts.length}`, shown, firing.length - shown.length)));
  } else if (input.alerts.length) {
    blocks.push(section(`*Alerts firing*: none (${input.alerts.length} resolved)`));
  }

  blocks.push(context(`Incident \`${esc(inc.id)}\` · summary at ${slackDate(now.toISOString(), '{time}')}`));

  const counted = `${events.length} event${events.length === 1 ? '' : 's'}${hasSince ? ' since the last summary' : ''}`;
  const text = `Summary of incident #${inc.number} ${cut(esc(mdLine(inc.title)), 200)}: ${inc.status}, ${inc.severity}, ${counted}, ${firing.length} alert${firing.length === 1 ? '' : 's'} firing`;
  return { text, blocks: blocks.slice(0, MAX_BLOCKS) };
}

/**
 * The heading and the newest lines that fit (at most `max`), saying how many earlier ones were
 * left out. Whole lines are dropped rather than cut, so no mention or date token is broken.
 */
function fitLatest(heading: string, lines: string[], max: number): string {
  let kept = lines.slice(-max);
  const render = (k: string[]) => {
    const dropped = lines.length - k.length;
    return [heading, ...(dropped ? [`_${dropped} earlier event${dropped === 1 ? '' : 's'} not shown_`] : []), ...k].join('\n');
  };
  while (kept.length > 1 && render(kept).length > SECTION_MAX) kept = kept.slice(1);
  return cut(render(kept), SECTION_MAX);
}

/** The heading and the first lines that fit, then how many more there are. */
function fitFirst(heading: string, lines: string[], more: number): string {
  let kept = lines;
  const render = (k: string[]) => {
    const rest = more + lines.length - k.length;
    return [heading, ...k, ...(rest > 0 ? [`_…and ${rest} more_`] : [])].join('\n');
  };
  while (kept.length > 1 && render(kept).length > SECTION_MAX) kept = kept.slice(0, -1);
  return cut(render(kept), SECTION_MAX);
}

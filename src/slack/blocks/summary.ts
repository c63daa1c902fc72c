import type { Incident } from '../../incidents/model.js';
import { describeEvent, mdLine, type EventFormat } from '../../reports/describe.js';
import { planSummary, type SummaryInput, type SummaryPlan } from '../../reports/summary.js';
import { isSlackUser } from '../../timeline/events.js';
import { formatDuration, SEVERITY_LABEL, STATUS_LABEL } from '../../words.js';
import { cut, esc, mention, slackDate } from '../escape.js';
import { beaconLink } from './card.js';
import { context, plain, section, type Block, type SlackMessage } from './types.js';

export type { SummaryInput } from '../../reports/summary.js';

/** Events listed one by one; older ones are counted. */
const EVENTS_SHOWN = 12;
const STEPS_SHOWN = 5;
const ALERTS_SHOWN = 5;
/** Block Kit: section text at most 3000 characters; leave room for the heading line. */
const SECTION_MAX = 2900;
const MAX_BLOCKS = 50;

/**
 * The channel summary: where the incident stands and what happened since the last one. Returns
 * null when nothing happened since `since`, so a periodic summary can be skipped. Every piece of
 * untrusted text is escaped; sections stay within Block Kit's limits however long the incident.
 */
export function renderSummary(input: SummaryInput, opts: { publicUrl?: string } = {}): SlackMessage | null {
  const plan = planSummary(input);
  if (!plan) return null;
  const { incident: inc, now } = input;
  const fmt = slackFormat(input.users);

  const blocks: Block[] = [
    { type: 'header', text: plain(cut(`📋 Summary · #${inc.number} ${esc(inc.title)}`, 150)) },
    stateBlock(inc, plan, fmt),
    happenedBlock(plan, fmt),
  ];
  const update = plan.latestUpdate;
  if (update) {
    const by = update.actor ? ` by ${fmt.who(update.actor)}` : '';
    blocks.push(section(`*Latest update*${update.at ? ` (${slackDate(update.at, '{time}')}${by})` : by}\n${cut(esc(update.text), 2600)}`));
  }
  if (input.openSteps.length) {
    const shown = input.openSteps.slice(0, STEPS_SHOWN).map((s) => `☐ ${cut(esc(mdLine(s.text)), 300)}`);
    const more = input.openSteps.length - shown.length;
    blocks.push(section(fitFirst(`*Open checklist steps*: ${input.openSteps.length}`, shown, more)));
  }
  const alerts = alertsBlock(plan, input.alerts.length);
  if (alerts) blocks.push(alerts);
  const open = opts.publicUrl ? ` · ${beaconLink(opts.publicUrl, inc.id)}` : '';
  blocks.push(context(`Incident \`${esc(inc.id)}\` · summary at ${slackDate(now.toISOString(), '{time}')}${open}`));

  const { events, firing } = plan;
  const counted = `${events.length} event${events.length === 1 ? '' : 's'}${plan.since ? ' since the last summary' : ''}`;
  const text = `Summary of incident #${inc.number} ${cut(esc(mdLine(inc.title)), 200)}: ${inc.status}, ${inc.severity}, ${counted}, ${firing.length} alert${firing.length === 1 ? '' : 's'} firing`;
  return { text, blocks: blocks.slice(0, MAX_BLOCKS) };
}

/**
 * mrkdwn for untrusted text; people named, never pinged, when the caller looked names up (a name
 * not found shows the id); mentioned only by callers that give no names at all.
 */
function slackFormat(users: Record<string, string> | undefined): EventFormat {
  return {
    text: (s) => cut(esc(mdLine(s)), 300),
    who: (actor) => {
      if (!actor) return '';
      if (isSlackUser(actor)) {
        if (!users) return mention(actor);
        return `@${users[actor] ? esc(cut(mdLine(users[actor]), 80)) : actor}`;
      }
      return esc(cut(mdLine(actor), 80));
    },
  };
}

/** Status, severity, lead and the clock, side by side. */
function stateBlock(inc: Incident, plan: SummaryPlan, fmt: EventFormat): Block {
  return {
    type: 'section',
    fields: [
      `*Status*\n${STATUS_LABEL[inc.status]}`,
      `*Severity*\n${SEVERITY_LABEL[inc.severity]}`,
      `*Lead*\n${inc.lead ? fmt.who(inc.lead) : '—'}`,
      `*${plan.clock.label}*\n${formatDuration(plan.clock.ms)}`,
    ].map((text) => ({ type: 'mrkdwn', text })),
  };
}

/** What happened (since the last summary): the newest events that fit, alert churn counted. */
function happenedBlock(plan: SummaryPlan, fmt: EventFormat): Block {
  const lines: string[] = [];
  for (const ev of plan.listed) {
    const text = describeEvent(ev, fmt);
    if (text) lines.push(`• ${slackDate(ev.at, '{time}')} ${text}`);
  }
  if (plan.alertChurn) {
    const { started, cleared } = plan.alertChurn;
    lines.push(`• ${started} alert${started === 1 ? '' : 's'} started firing, ${cleared} cleared (see the alerts message)`);
  }
  const heading = plan.since ? `*Since the last summary* (${slackDate(plan.since.toISOString(), '{time}')})` : '*What happened*';
  return lines.length ? section(fitLatest(heading, lines, EVENTS_SHOWN)) : section(`${heading}\nNothing recorded yet.`);
}

/** The most severe alerts still firing, or that none is; nothing when there were no alerts. */
function alertsBlock(plan: SummaryPlan, total: number): Block | null {
  const { firing } = plan;
  if (firing.length) {
    const shown = firing.slice(0, ALERTS_SHOWN).map((a) => `🔥 ${cut(esc(mdLine(a.title)), 200)}${a.count > 1 ? ` ×${a.count}` : ''}`);
    return section(fitFirst(`*Alerts firing*: ${firing.length} of ${total}`, shown, firing.length - shown.length));
  }
  return total ? section(`*Alerts firing*: none (${total} resolved)`) : null;
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

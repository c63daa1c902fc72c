import { durations, type Incident } from '../../incidents/model.js';
import { formatDuration, SEVERITY_ICON, SEVERITY_LABEL, STATUS_LABEL } from '../../words.js';
import { cut, esc, slackDate } from '../escape.js';
import type { Who } from './people.js';
import { context, section, type Block, type SlackMessage } from './types.js';
import { userText } from './user-text.js';

/**
 * The incident's one message in the announce channel, edited on every change: what is burning,
 * how bad, where it stands, who leads, the latest update, how long, and where to follow it. The
 * whole company may read that channel: nobody is mentioned (people are named by `who`), and a
 * person's update keeps its words but not its mentions.
 */
export function renderAnnounceMessage(inc: Incident, now: Date, who: Who): SlackMessage {
  const d = durations(inc, now);
  const resolved = inc.status === 'resolved';
  const title = esc(cut(inc.title, 200));
  const head = resolved ? `✅ *Resolved: #${inc.number} ${title}*` : `${SEVERITY_ICON[inc.severity]} *#${inc.number} ${title}*`;
  const facts = [
    `*Severity*\n${SEVERITY_LABEL[inc.severity]}`,
    `*Status*\n${STATUS_LABEL[inc.status]}`,
    `*Lead*\n${who(inc.lead)}`,
    resolved ? `*Duration*\n${formatDuration(d.toResolve)}` : `*Open for*\n${formatDuration(d.elapsed)} (at ${slackDate(now.toISOString(), '{time}')})`,
  ];
  const blocks: Block[] = [section(head), { type: 'section', fields: facts.map((text) => ({ type: 'mrkdwn', text })) }];
  if (inc.lastUpdate) {
    const at = inc.lastUpdateAt ? ` (${slackDate(inc.lastUpdateAt, '{time}')})` : '';
    blocks.push(section(`*Latest update*${at}\n${cut(quiet(userText(inc.lastUpdate), who), 2800)}`));
  }
  const where = inc.slack.channelId ? `Follow it in <#${inc.slack.channelId}>` : 'Its channel is opening';
  blocks.push(context(`${where} · started ${slackDate(inc.detectedAt)}${inc.service ? ` · ${esc(cut(inc.service, 100))}` : ''}`));
  const text = resolved
    ? `Resolved after ${formatDuration(d.toResolve)}: #${inc.number} ${title}`
    : `${SEVERITY_LABEL[inc.severity]} ${STATUS_LABEL[inc.status]}: #${inc.number} ${title}`;
  return { text, blocks };
}

/** A typed mention (`<@U123>`) shown as the person's name: the announce channel pings no one. */
const quiet = (mrkdwn: string, who: Who) => mrkdwn.replace(/<@([UW][A-Z0-9]{2,})>/g, (_m, id: string) => who(id));

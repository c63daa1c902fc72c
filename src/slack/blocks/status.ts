import { durations, type Incident } from '../../incidents/model.js';
import { cut, esc, mention, slackDate } from '../escape.js';
import { formatDuration, SEVERITY_ICON, SEVERITY_LABEL, STATUS_LABEL } from '../../words.js';
import { context, section, type Block, type SlackMessage } from './types.js';
import { userText } from './user-text.js';

const channelRef = (inc: Incident) => (inc.slack.channelId ? `<#${inc.slack.channelId}>` : '_channel opening…_');

/** `/incident status`: where the incident stands, for the one who asked. */
export function renderStatus(inc: Incident, now: Date): SlackMessage {
  const d = durations(inc, now);
  const head = `${SEVERITY_ICON[inc.severity]} *#${inc.number} ${esc(cut(inc.title, 200))}*`;
  const facts = [
    `${SEVERITY_LABEL[inc.severity]} · ${STATUS_LABEL[inc.status]} · lead ${mention(inc.lead)}`,
    inc.status === 'resolved'
      ? `Resolved after ${formatDuration(d.toResolve)}${inc.resolvedBy ? ` by ${mention(inc.resolvedBy)}` : ''}`
      : `Open for ${formatDuration(d.elapsed)} (since ${slackDate(inc.detectedAt)})`,
  ];
  if (inc.service) facts.push(`Service: ${esc(cut(inc.service, 200))}`);
  const blocks: Block[] = [section(`${head}\n${facts.join('\n')}`)];
  if (inc.lastUpdate) {
    blocks.push(section(`*Latest update* ${slackDate(inc.lastUpdateAt ?? inc.createdAt, '{time}')}${inc.lastUpdateBy ? ` by ${mention(inc.lastUpdateBy)}` : ''}\n${cut(userText(inc.lastUpdate), 2700)}`));
  } else if (inc.status !== 'resolved') {
    blocks.push(context('No status update yet: post one with `/incident update &lt;text&gt;`.'));
  }
  return { text: `#${inc.number} ${esc(cut(inc.title, 200))}: ${inc.severity}, ${inc.status}`, blocks };
}

/** `/incident list`: the open incidents, newest first. */
export function renderList(open: Incident[], now: Date, more = false): SlackMessage {
  if (open.length === 0) return { text: 'No open incidents. 🎉', blocks: [section('No open incidents. 🎉')] };
  const lines = open.map((inc) => {
    const d = durations(inc, now);
    return `${SEVERITY_ICON[inc.severity]} *#${inc.number}* ${esc(cut(inc.title, 120))} · ${inc.severity} · ${inc.status} · ${formatDuration(d.elapsed)} · lead ${mention(inc.lead)} · ${channelRef(inc)}`;
  });
  const head = `*${open.length}${more ? '+' : ''} open incident${open.length === 1 ? '' : 's'}*`;
  // A section takes 3000 characters: split the list over several.
  const blocks: Block[] = [section(head)];
  let chunk: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > 2900 && chunk.length) {
      blocks.push(section(chunk.join('\n')));
      chunk = [];
      size = 0;
    }
    chunk.push(l);
    size += l.length + 1;
  }
  if (chunk.length) blocks.push(section(chunk.join('\n')));
  return { text: `${open.length} open incident${open.length === 1 ? '' : 's'}`, blocks: blocks.slice(0, 50) };
}

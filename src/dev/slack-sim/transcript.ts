/** A channel as a person reads it in the Slack client, as plain text for tests and the demo. */
import { blocksToLines, mrkdwnToText, type NameLookup } from '../mrkdwn-text.js';
import { tsSeconds } from './ids.js';
import type { SimChannel, SimMessage } from './types.js';
import { SYSTEM_SUBTYPES, type Workspace } from './workspace.js';

/**
 * One paragraph per message, rendered from its blocks (headers, sections, fields, context,
 * `[Button]`s, `[x]`/`[ ]` checkboxes, `📎 file`s).
 */
export function transcript(ws: Workspace, channelId: string): string {
  const ch = ws.inspectChannel(channelId);
  const names = ws.names();
  const paragraphs: string[] = [];
  let joined: string[] = [];
  const flushJoins = () => {
    if (joined.length) paragraphs.push(`· ${joined.join(', ')} joined`);
    joined = [];
  };
  for (const msg of ws.history.get(ch.id) ?? []) {
    // A run of joins (channel creation plus invites) reads better as one line.
    if (msg.subtype === 'channel_join') {
      joined.push(ws.displayName(msg.user));
      continue;
    }
    flushJoins();
    paragraphs.push(renderMessage(ws, ch, msg, names));
  }
  flushJoins();
  return paragraphs.join('\n\n');
}

function renderMessage(ws: Workspace, ch: SimChannel, msg: SimMessage, names: NameLookup): string {
  const who = ws.displayName(msg.user);
  const isReply = msg.thread_ts !== undefined && msg.thread_ts !== msg.ts;
  if (msg.subtype === 'channel_topic' || msg.subtype === 'channel_purpose') {
    const what = msg.subtype === 'channel_topic' ? 'topic' : 'purpose';
    const value = msg[what] ?? '';
    return `· ${who} set the channel ${what}: ${mrkdwnToText(value, names)}`;
  }
  if (msg.subtype === 'pinned_item') return `· 📌 ${who} pinned a message to this channel`;
  if (msg.subtype && SYSTEM_SUBTYPES.has(msg.subtype)) return `· ${mrkdwnToText(msg.text, names)}`;

  const time = new Date(tsSeconds(msg.ts) * 1000).toISOString().slice(11, 19);
  const marks = [msg.edited ? '(edited)' : '', ch.pins.includes(msg.ts) ? '📌' : ''].filter(Boolean).join(' ');
  const lines = [`${isReply ? '↳ ' : ''}[${time}] ${who}${marks ? ` ${marks}` : ''}`];
  const body = msg.blocks?.length ? blocksToLines(msg.blocks, names) : mrkdwnToText(msg.text, names).split('\n');
  lines.push(...body);
  for (const a of msg.attachments ?? []) {
    const parts = Array.isArray(a.blocks)
      ? blocksToLines(a.blocks, names)
      : [a.title, a.text].filter((t): t is string => typeof t === 'string').map((t) => mrkdwnToText(t, names));
    lines.push(...parts.map((l) => `│ ${l}`));
  }
  for (const f of msg.files ?? []) lines.push(`📎 ${f.name}`);
  if (msg.reactions?.length) lines.push(msg.reactions.map((r) => `:${r.name}: ${r.count}`).join('  '));
  return isReply ? lines.map((l) => `    ${l}`).join('\n') : lines.join('\n');
}

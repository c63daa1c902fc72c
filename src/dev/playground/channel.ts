/**
 * The simulator's workspace as the Slack client shows it to one person: the channel list (private
 * channels only to their members), and one channel with its topic, pinned messages, messages
 * rendered from their blocks, threads under their parents, files, reactions, and the ephemeral
 * answers only that person saw.
 */
import { html, raw, type Html } from '../../web/html.js';
import { blocksToLines, mrkdwnToText, type NameLookup } from '../mrkdwn-text.js';
import type { SimChannel, SimEphemeral, SimMessage, SlackSimulator } from '../slack-simulator.js';
import { renderBlocks, type BlockContext } from './blocks.js';
import { decodeEntities, mrkdwnHtml } from './mrkdwn.js';

export function namesOf(sim: SlackSimulator): NameLookup {
  const users = new Map(sim.users().map((u) => [u.id, u.name]));
  const channels = new Map(sim.channels().map((c) => [c.id, c.name]));
  return { userName: (id) => users.get(id), channelName: (id) => channels.get(id) };
}

/** The channels a person sees in the sidebar: every public one, and the private ones they are in. */
export function visibleChannels(sim: SlackSimulator, userId: string): SimChannel[] {
  return sim
    .channels()
    .filter((c) => !c.is_archived || c.members.includes(userId))
    .filter((c) => !c.is_private || c.members.includes(userId))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const mark = (c: SimChannel): string => (c.is_private ? '🔒' : '#');

export function renderSidebar(sim: SlackSimulator, userId: string, currentId: string): Html {
  const channels = visibleChannels(sim, userId);
  return html`<ul class="chan-list">${channels.map((c) => {
    const current = c.id === currentId;
    const cls = `chan${current ? ' current' : ''}${c.members.includes(userId) ? '' : ' not-member'}${c.is_archived ? ' archived' : ''}`;
    return html`<li><a class="${cls}" href="/?channel=${c.id}&amp;user=${userId}" data-channel="${c.id}"${current ? raw(' aria-current="page"') : ''}><span class="chan-mark"${
      c.is_private ? raw(' title="private channel"') : ''
    }>${mark(c)}</span> <span class="chan-name">${c.name}</span></a></li>`;
  })}</ul>`;
}

/** `HH:MM:SS` UTC of a ts (the page shows it in the viewer's zone). */
function timeOf(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(11, 19)}</time>`;
}

const tsMs = (ts: string): number => Math.floor(Number(ts) * 1000);

/** The first line of a message as a person reads it, for the pinned list. */
function firstLine(m: SimMessage, names: NameLookup): string {
  const lines = m.blocks?.length ? blocksToLines(m.blocks, names) : mrkdwnToText(m.text, names).split('\n');
  // blocksToLines leaves plain_text as sent; Beacon escapes it like mrkdwn, so decode it here too.
  return decodeEntities(lines.find((l) => l.trim() !== '') ?? '(no text)').replace(/^━━ | ━━$/g, '').slice(0, 140);
}

function header(ch: SimChannel, messages: SimMessage[], names: NameLookup): Html {
  const pinned = ch.pins.map((ts) => messages.find((m) => m.ts === ts)).filter((m): m is SimMessage => m !== undefined);
  const pins = pinned.length
    ? html`<details class="pins" id="pins-${ch.id}"><summary>📌 ${pinned.length} pinned</summary><ol>${pinned.map(
        (m) => html`<li><a href="#m-${m.ts.replace('.', '-')}">${firstLine(m, names)}</a></li>`,
      )}</ol></details>`
    : '';
  const topic = ch.topic.value ? html`<div class="topic" title="Channel topic">${raw(mrkdwnHtml(ch.topic.value, names))}</div>` : html`<div class="topic empty">No topic</div>`;
  return html`<header class="chan-head"><h2><span class="chan-mark">${mark(ch)}</span> ${ch.name}</h2>${topic}<div class="chan-meta"><span>${ch.members.length} members</span>${ch.is_private ? html` · <span>private</span>` : ''}${ch.is_archived ? html` · <span>archived</span>` : ''}</div>${pins}</header>`;
}

interface Item {
  at: number;
  message?: SimMessage;
  ephemeral?: SimEphemeral;
}

/** The channel's header and its messages, as `userId` sees them. */
export function renderChannel(sim: SlackSimulator, channelId: string, userId: string): Html {
  const ch = sim.channel(channelId);
  if (!ch) return html`<p class="empty">No such channel.</p>`;
  const names = namesOf(sim);
  const messages = sim.messages(ch.id);
  const known = new Set(messages.map((m) => m.ts));
  const replies = new Map<string, SimMessage[]>();
  const items: Item[] = [];
  for (const m of messages) {
    const isReply = m.thread_ts !== undefined && m.thread_ts !== m.ts && known.has(m.thread_ts);
    if (isReply) replies.set(m.thread_ts!, [...(replies.get(m.thread_ts!) ?? []), m]);
    else items.push({ at: tsMs(m.ts), message: m });
  }
  for (const e of sim.ephemerals) if (e.channel === ch.id && e.user === userId) items.push({ at: e.at, ephemeral: e });
  items.sort((a, b) => a.at - b.at);
  const ctx = { ch, names, replies, interactive: true };
  const body = items.length
    ? items.map((i) => (i.message ? message(i.message, ctx) : ephemeral(i.ephemeral!, names)))
    : html`<p class="empty">No messages yet. Try <code>/incident help</code>, or a scenario on the left.</p>`;
  return html`${header(ch, messages, names)}<div class="msg-list">${body}</div>`;
}

interface MessageContext {
  ch: SimChannel;
  names: NameLookup;
  replies: Map<string, SimMessage[]>;
}

function content(m: { text: string; blocks?: Record<string, unknown>[] }, ctx: BlockContext): Html {
  if (m.blocks?.length) return renderBlocks(m.blocks, ctx);
  return html`<div class="bk-text">${raw(mrkdwnHtml(m.text, ctx.names))}</div>`;
}

function author(userId: string, names: NameLookup): { name: string; initial: string } {
  const name = names.userName(userId) ?? userId;
  return { name, initial: name.slice(0, 1).toUpperCase() };
}

function message(m: SimMessage, ctx: MessageContext, inThread = false): Html {
  const { name, initial } = author(m.user, ctx.names);
  const bot = m.bot_id !== undefined;
  const pinned = ctx.ch.pins.includes(m.ts);
  const cls = `msg${bot ? ' bot' : ''}${pinned ? ' pinned' : ''}${inThread ? ' reply' : ''}`;
  const thread = inThread ? '' : threadOf(m, ctx);
  return html`<article class="${cls}" id="m-${m.ts.replace('.', '-')}" data-ts="${m.ts}"><div class="avatar" aria-hidden="true">${initial}</div><div class="msg-body"><div class="msg-head"><span class="who">${name}</span>${
    bot ? html`<span class="app-tag">APP</span>` : ''
  }${timeOf(tsMs(m.ts))}${m.edited ? html`<span class="edited">(edited)</span>` : ''}${pinned ? html`<span class="pin-mark" title="Pinned">📌 Pinned</span>` : ''}${
    inThread ? '' : html`<span class="msg-tools"><button type="button" class="tool" data-react="pushpin" title="React with :pushpin: (Beacon adds the message to the timeline)">📌+</button><button type="button" class="tool" data-reply="${m.ts}">Reply</button></span>`
  }</div><div class="msg-content">${content(m, { names: ctx.names, interactive: true })}</div>${attachments(m, ctx.names)}${files(m)}${reactions(m)}${thread}</div></article>`;
}

function threadOf(m: SimMessage, ctx: MessageContext): Html | string {
  const replies = ctx.replies.get(m.ts) ?? [];
  if (!replies.length) return '';
  const n = replies.length;
  return html`<details class="thread" id="t-${m.ts.replace('.', '-')}"><summary>${n} ${n === 1 ? 'reply' : 'replies'}</summary><div class="thread-list">${replies.map((r) =>
    message(r, ctx, true),
  )}</div></details>`;
}

function attachments(m: SimMessage, names: NameLookup): Html | string {
  if (!m.attachments?.length) return '';
  return html`${m.attachments.map((a) => {
    const title = typeof a.title === 'string' ? html`<div class="att-title">${a.title}</div>` : '';
    const text = typeof a.text === 'string' ? html`<div class="bk-text">${raw(mrkdwnHtml(a.text, names))}</div>` : '';
    const blocks = Array.isArray(a.blocks) ? renderBlocks(a.blocks, { names, interactive: true }) : '';
    return html`<div class="attachment">${title}${text}${blocks}</div>`;
  })}`;
}

function files(m: SimMessage): Html | string {
  if (!m.files?.length) return '';
  return html`<div class="files">${m.files.map(
    (f) => html`<a class="file" href="/files/${f.id}" target="_blank" rel="noopener">📎 <span class="file-name">${f.name}</span> <span class="file-size">${Math.max(1, Math.round(f.size / 1024))} KB</span></a>`,
  )}</div>`;
}

function reactions(m: SimMessage): Html | string {
  if (!m.reactions?.length) return '';
  return html`<div class="reactions">${m.reactions.map((r) => html`<span class="reaction">:${r.name}: ${r.count}</span>`)}</div>`;
}

function ephemeral(e: SimEphemeral, names: NameLookup): Html {
  return html`<article class="msg bot ephemeral"><div class="avatar" aria-hidden="true">B</div><div class="msg-body"><div class="msg-head"><span class="who">beacon</span><span class="app-tag">APP</span>${timeOf(
    e.at,
  )}<span class="only-you">Only visible to you</span></div><div class="msg-content">${content(e, { names, interactive: false })}</div></div></article>`;
}

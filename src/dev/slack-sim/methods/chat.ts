/** `chat.*`: posting, editing and deleting messages, ephemerals and permalinks. */
import { ApiError, isObj, str, type Obj } from '../args.js';
import { apiMessage, messagePermalink } from '../api-objects.js';
import { isEmpty, messageContent, storedText } from '../message-content.js';
import type { SimWarning } from '../types.js';
import type { Handler } from '../workspace.js';

/** The fields of an interactive element that hold what it shows as chosen or typed. */
const VALUE_FIELDS = [
  'initial_options',
  'initial_option',
  'initial_value',
  'initial_date',
  'initial_time',
  'initial_date_time',
  'initial_user',
  'initial_users',
  'initial_channel',
  'initial_channels',
  'initial_conversation',
  'initial_conversations',
] as const;

/** Elements that keep a value a person chose or typed (not buttons, images, overflow menus). */
const INPUT_TYPES = /^(checkboxes|radio_buttons|[a-z_]*select|datepicker|timepicker|datetimepicker|[a-z_]*_input)$/;

/** An element's shown value, comparable as text: options by their values, in order of choice ignored. */
function shownValue(el: Obj): string {
  const out: Record<string, unknown> = {};
  for (const f of VALUE_FIELDS) {
    const v = el[f];
    if (v === undefined) continue;
    if (f === 'initial_options' && Array.isArray(v)) out[f] = v.map((o) => (isObj(o) ? o.value : o)).sort();
    else if (f === 'initial_option' && isObj(v)) out[f] = v.value;
    else out[f] = v;
  }
  return JSON.stringify(out);
}

/** The input elements of each block with a block_id: `block_id -> position -> element`. */
function inputsByBlock(blocks: readonly Obj[] | undefined): Map<string, Map<string, Obj>> {
  const out = new Map<string, Map<string, Obj>>();
  for (const b of blocks ?? []) {
    if (typeof b.block_id !== 'string') continue;
    const els = new Map<string, Obj>();
    (Array.isArray(b.elements) ? b.elements : []).forEach((e, i) => isObj(e) && els.set(`elements/${i}`, e));
    if (isObj(b.accessory)) els.set('accessory', b.accessory);
    if (isObj(b.element)) els.set('element', b.element);
    for (const [k, e] of els) if (!INPUT_TYPES.test(String(e.type))) els.delete(k);
    if (els.size) out.set(b.block_id, els);
  }
  return out;
}

/**
 * Slack's block reference: "block_id should be unique for each message and each iteration of a
 * message. If a message is updated, use a new block_id." A client that has the message open
 * keeps its input state by block_id, so an update that changes an input's value under the same
 * block_id may keep showing the old value. Slack accepts it silently; the simulator records it.
 */
function keptInputBlockIds(before: readonly Obj[] | undefined, after: readonly Obj[] | undefined): Omit<SimWarning, 'channel' | 'ts' | 'at'>[] {
  const old = inputsByBlock(before);
  const out: Omit<SimWarning, 'channel' | 'ts' | 'at'>[] = [];
  for (const [blockId, els] of inputsByBlock(after)) {
    for (const [where, el] of els) {
      const prev = old.get(blockId)?.get(where);
      if (!prev || shownValue(prev) === shownValue(el)) continue;
      const actionId = typeof el.action_id === 'string' ? el.action_id : undefined;
      out.push({
        method: 'chat.update',
        blockId,
        ...(actionId ? { actionId } : {}),
        message: `chat.update kept block_id "${blockId}" while the value of its ${String(el.type)} changed: Slack asks for a new block_id on every update, or clients may keep showing the old value`,
      });
    }
  }
  return out;
}

const postMessage: Handler = (p, ws) => {
  const ch = ws.postableChannel(str(p, 'channel'));
  const content = messageContent(p);
  if (isEmpty(content)) throw new ApiError('no_text');
  const msg = ws.botMessage(storedText(content));
  if (content.blocks) msg.blocks = content.blocks;
  if (content.attachments) msg.attachments = content.attachments;
  if (content.metadata) msg.metadata = content.metadata;
  const threadTs = str(p, 'thread_ts');
  if (threadTs) ws.attachToThread(ch.id, msg, threadTs);
  ws.messagesOf(ch.id).push(msg);
  return { ok: true, channel: ch.id, ts: msg.ts, message: apiMessage(ws, ch, msg, { withMetadata: true }) };
};

const update: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const ts = str(p, 'ts');
  const msg = ts ? ws.findMessage(ch.id, ts) : undefined;
  if (!msg) throw new ApiError('message_not_found');
  if (msg.user !== ws.botUserId || msg.subtype) throw new ApiError('cant_update_message');
  if (ch.is_archived) throw new ApiError('is_inactive');
  const content = messageContent(p);
  if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) throw new ApiError('no_text');
  // The message is replaced: blocks not given are gone. Attachments and metadata not given
  // are kept, as Slack documents; `metadata: {}` removes the metadata.
  for (const w of keptInputBlockIds(msg.blocks, content.blocks)) ws.warnings.push({ ...w, channel: ch.id, ts: msg.ts, at: Date.now() });
  msg.text = storedText(content);
  if (content.blocks?.length) msg.blocks = content.blocks;
  else delete msg.blocks;
  if (content.attachments) msg.attachments = content.attachments;
  if (content.metadata === null) delete msg.metadata;
  else if (content.metadata) msg.metadata = content.metadata;
  msg.edited = { user: ws.botUserId, ts: ws.nextTs() };
  const message = apiMessage(ws, ch, msg, { withMetadata: true });
  return { ok: true, channel: ch.id, ts: msg.ts, text: msg.text, message };
};

const del: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const ts = str(p, 'ts');
  const msg = ts ? ws.findMessage(ch.id, ts) : undefined;
  if (!msg) throw new ApiError('message_not_found');
  if (msg.user !== ws.botUserId) throw new ApiError('cant_delete_message');
  const list = ws.messagesOf(ch.id);
  list.splice(list.indexOf(msg), 1);
  ch.pins = ch.pins.filter((t) => t !== msg.ts);
  return { ok: true, channel: ch.id, ts: msg.ts };
};

const postEphemeral: Handler = (p, ws) => {
  const ch = ws.postableChannel(str(p, 'channel'));
  const user = str(p, 'user');
  if (!user || !ch.members.includes(user)) throw new ApiError('user_not_in_channel');
  const content = messageContent(p);
  if (isEmpty(content)) throw new ApiError('no_text');
  const text = storedText(content);
  ws.ephemerals.push({ channel: ch.id, user, text, ...(content.blocks ? { blocks: content.blocks } : {}), source: 'chat.postEphemeral', at: Date.now() });
  return { ok: true, message_ts: ws.nextTs() };
};

const getPermalink: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const ts = str(p, 'message_ts');
  const msg = ts ? ws.findMessage(ch.id, ts) : undefined;
  if (!msg) throw new ApiError('message_not_found');
  const base = messagePermalink(ws, ch.id, msg.ts);
  const inThread = msg.thread_ts !== undefined && msg.thread_ts !== msg.ts;
  return { ok: true, channel: ch.id, permalink: inThread ? `${base}?thread_ts=${msg.thread_ts}&cid=${ch.id}` : base };
};

export const chatMethods: Record<string, Handler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': del,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
};

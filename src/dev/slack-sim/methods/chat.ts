/** `chat.*`: posting, editing and deleting messages, ephemerals and permalinks. */
import { ApiError, str } from '../args.js';
import { apiMessage, messagePermalink } from '../api-objects.js';
import { isEmpty, messageContent, storedText } from '../message-content.js';
import type { Handler } from '../workspace.js';

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

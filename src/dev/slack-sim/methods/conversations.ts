/** `conversations.*`: channels, their members, topics and history. */
import { ApiError, bool, charCount, decodeCursor, encodeCursor, limitArg, pageOf, str, type Obj, type Params } from '../args.js';
import { apiMessage, channelView } from '../api-objects.js';
import { tsKey } from '../ids.js';
import { channelNameProblem, type Handler, type Workspace } from '../workspace.js';

const create: Handler = (p, ws) => {
  const name = str(p, 'name') ?? '';
  const problem = channelNameProblem(name);
  if (problem) throw new ApiError(problem);
  // Archived channels keep their names, so they count as taken too.
  if ([...ws.channelsById.values()].some((c) => c.name === name)) throw new ApiError('name_taken');
  const ch = ws.makeChannel(name, bool(p, 'is_private'), ws.botUserId);
  ws.join(ch, ws.botUserId);
  return { ok: true, channel: channelView(ws, ch) };
};

/** conversations.invite: "Up to 100 users may be listed" (its reference page); more is `too_many_users`. */
export const MAX_INVITE_USERS = 100;

/**
 * conversations.invite. Without `force`, one invalid user fails the whole call and nobody is
 * invited; with `force` ("continue inviting the valid ones while disregarding invalid IDs") the
 * valid ones are invited and the invalid ones listed in `errors`.
 */
const invite: Handler = (p, ws) => {
  const ch = ws.writableChannel(str(p, 'channel'));
  const listed = (str(p, 'users') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (listed.length === 0) throw new ApiError('no_user');
  if (listed.length > MAX_INVITE_USERS) throw new ApiError('too_many_users');
  const ids = [...new Set(listed)];
  const errors: { user: string; ok: false; error: string }[] = [];
  const toInvite: string[] = [];
  for (const id of ids) {
    if (id === ws.botUserId) errors.push({ user: id, ok: false, error: 'cant_invite_self' });
    else if (!ws.users.has(id)) errors.push({ user: id, ok: false, error: 'user_not_found' });
    else if (ch.members.includes(id)) errors.push({ user: id, ok: false, error: 'already_in_channel' });
    else toInvite.push(id);
  }
  // Invalid users fail the whole call unless `force`; members already in are only an error
  // when nobody is left to invite.
  const fatal = errors.find((e) => e.error !== 'already_in_channel');
  if (fatal && !bool(p, 'force')) throw new ApiError(fatal.error, { errors });
  if (toInvite.length === 0) throw new ApiError(errors[0]?.error ?? 'no_user', { errors });
  for (const id of toInvite) ws.join(ch, id, ws.botUserId);
  return { ok: true, channel: channelView(ws, ch), ...(errors.length ? { errors } : {}) };
};

const list: Handler = (p, ws) => {
  const types = (str(p, 'types') || 'public_channel').split(',').map((t) => t.trim());
  const known = ['public_channel', 'private_channel', 'mpim', 'im'];
  if (types.some((t) => !known.includes(t))) throw new ApiError('invalid_types');
  const limit = limitArg(p, 100, 1000);
  const excludeArchived = bool(p, 'exclude_archived');
  const visible = [...ws.channelsById.values()].filter((ch) => {
    if (excludeArchived && ch.is_archived) return false;
    return ch.is_private ? types.includes('private_channel') && ws.isMember(ch) : types.includes('public_channel');
  });
  const { page, nextCursor } = pageOf(visible, (c) => c.id, 'team', str(p, 'cursor'), limit);
  return { ok: true, channels: page.map((c) => channelView(ws, c, true)), response_metadata: { next_cursor: nextCursor } };
};

const info: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  return { ok: true, channel: channelView(ws, ch, bool(p, 'include_num_members')) };
};

/** The `oldest`/`latest` window of conversations.history as a test on a message's ts key. */
function historyWindow(p: Params): (key: bigint) => boolean {
  const latestArg = str(p, 'latest');
  const oldestArg = str(p, 'oldest');
  const latest = latestArg ? tsKey(latestArg) : undefined;
  const oldest = oldestArg ? tsKey(oldestArg) : 0n;
  if (latestArg && latest === undefined) throw new ApiError('invalid_ts_latest');
  if (oldest === undefined) throw new ApiError('invalid_ts_oldest');
  const inclusive = bool(p, 'inclusive');
  return (k) => {
    const afterOldest = inclusive ? k >= oldest : k > oldest;
    const beforeLatest = latest === undefined || (inclusive ? k <= latest : k < latest);
    return afterOldest && beforeLatest;
  };
}

const history: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  if (!ws.isMember(ch)) throw new ApiError('not_in_channel');
  const inWindow = historyWindow(p);
  const limit = limitArg(p, 100, 999);
  let messages = (ws.history.get(ch.id) ?? [])
    // Replies live in their thread (conversations.replies), not in the channel's history.
    .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
    .filter((m) => inWindow(tsKey(m.ts) ?? 0n))
    .reverse(); // newest first
  const cursor = str(p, 'cursor');
  if (cursor) {
    const at = decodeCursor(cursor, 'next_ts');
    const key = at === undefined ? undefined : tsKey(at);
    if (key === undefined) throw new ApiError('invalid_cursor');
    messages = messages.filter((m) => (tsKey(m.ts) ?? 0n) <= key);
  }
  const page = messages.slice(0, limit);
  const next = messages[limit];
  const withMetadata = bool(p, 'include_all_metadata');
  return {
    ok: true,
    messages: page.map((m) => apiMessage(ws, ch, m, { withMetadata })),
    has_more: next !== undefined,
    pin_count: ch.pins.length,
    channel_actions_ts: null,
    channel_actions_count: 0,
    response_metadata: { next_cursor: next ? encodeCursor(`next_ts:${next.ts}`) : '' },
  };
};

const replies: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  if (!ws.isMember(ch)) throw new ApiError('not_in_channel');
  const ts = str(p, 'ts');
  const parent = ts ? ws.findMessage(ch.id, ts) : undefined;
  if (!parent) throw new ApiError('thread_not_found');
  const thread = (ws.history.get(ch.id) ?? []).filter((m) => m.ts === parent.ts || m.thread_ts === parent.ts);
  const withMetadata = bool(p, 'include_all_metadata');
  return { ok: true, messages: thread.map((m) => apiMessage(ws, ch, m, { withMetadata })), has_more: false, response_metadata: { next_cursor: '' } };
};

/** conversations.setTopic / setPurpose: at most 250 characters, announced in the channel. */
function setChannelText(p: Params, ws: Workspace, which: 'topic' | 'purpose'): Obj {
  const ch = ws.writableChannel(str(p, 'channel'));
  const value = str(p, which) ?? '';
  if (charCount(value) > 250) throw new ApiError('too_long');
  ch[which] = { value, creator: ws.botUserId, last_set: Math.floor(Date.now() / 1000) };
  const notice = which === 'topic' ? `set the channel topic: ${value}` : `set the channel purpose: ${value}`;
  ws.botNotice(ch.id, `channel_${which}`, notice, { [which]: value });
  return { ok: true, channel: channelView(ws, ch) };
}

const members: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const limit = limitArg(p, 100, 1000);
  const { page, nextCursor } = pageOf(ch.members, (u) => u, 'user', str(p, 'cursor'), limit);
  return { ok: true, members: page, response_metadata: { next_cursor: nextCursor } };
};

const join: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  if (ch.is_private) throw new ApiError('method_not_supported_for_channel_type');
  if (ch.is_archived) throw new ApiError('is_archived');
  if (ws.isMember(ch)) {
    return { ok: true, channel: channelView(ws, ch), warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } };
  }
  ws.join(ch, ws.botUserId);
  return { ok: true, channel: channelView(ws, ch) };
};

const archive: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  if (ch.is_archived) throw new ApiError('already_archived');
  if (!ws.isMember(ch)) throw new ApiError('not_in_channel');
  if (ch.name === 'general') throw new ApiError('cant_archive_general');
  ch.is_archived = true;
  ws.botNotice(ch.id, 'channel_archive', 'archived the channel');
  return { ok: true };
};

export const conversationsMethods: Record<string, Handler> = {
  'conversations.create': create,
  'conversations.invite': invite,
  'conversations.list': list,
  'conversations.info': info,
  'conversations.history': history,
  'conversations.replies': replies,
  'conversations.setTopic': (p, ws) => setChannelText(p, ws, 'topic'),
  'conversations.setPurpose': (p, ws) => setChannelText(p, ws, 'purpose'),
  'conversations.members': members,
  'conversations.join': join,
  'conversations.archive': archive,
};

/**
 * The workspace the simulator keeps in memory: who is in it, its channels and their history, pins,
 * files, modals and trigger_ids, and the rules every method shares (which channels the bot can see,
 * where it can post, how ts values are made).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { ApiError, charCount, type Obj, type Params } from './args.js';
import { randomId, tsFromKey } from './ids.js';
import type { NameLookup } from '../mrkdwn-text.js';
import type { SimChannel, SimEphemeral, SimFile, SimMessage, SimUser, SimWarning } from './types.js';

/** A Web API method: its arguments and the workspace in, Slack's answer out (or an ApiError thrown). */
export type Handler = (p: Params, ws: Workspace) => Obj;

export interface Trigger {
  issuedAt: number;
  userId: string;
  used: boolean;
}

export interface StoredView {
  id: string;
  userId: string;
  view: Obj;
}

/** Messages Slack writes itself; `messages()` leaves them out, history and transcripts keep them. */
export const SYSTEM_SUBTYPES = new Set(['channel_join', 'channel_leave', 'channel_topic', 'channel_purpose', 'channel_name', 'channel_archive', 'pinned_item']);

const SEEDED_USERS: SimUser[] = [
  { id: 'U0000001', name: 'alice', real_name: 'Alice Adams', is_bot: false },
  { id: 'U0000002', name: 'bob', real_name: 'Bob Brown', is_bot: false },
  { id: 'U0000003', name: 'carol', real_name: 'Carol Chen', is_bot: false },
  { id: 'U0000004', name: 'dave', real_name: 'Dave Diaz', is_bot: false },
  { id: 'U0000005', name: 'erin', real_name: 'Erin Evans', is_bot: false },
];

/** Channel names: lower-case letters (any script), digits, `-` and `_`, at most 80 characters. */
export function channelNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'invalid_name_required';
  if (charCount(name) > 80) return 'invalid_name_maxlength';
  if (!/^[\p{Ll}\p{Lo}\p{Nd}_-]+$/u.test(name)) return 'invalid_name_specials';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

export interface WorkspaceOptions {
  teamId: string;
  botUserId: string;
  /** How long a trigger_id stays usable for `views.open`. */
  triggerTtlMs: number;
}

export class Workspace {
  readonly teamId: string;
  readonly teamDomain = 'beacon-sim';
  readonly botUserId: string;
  readonly botId = 'B0BEACONBOT';
  readonly appId = 'A0BEACONAPP';
  readonly triggerTtlMs: number;
  /** `http://127.0.0.1:PORT` once the simulator listens: response_urls and upload URLs point here. */
  origin: string | undefined;

  /** Messages only one user saw. */
  ephemerals: SimEphemeral[] = [];
  /** What Slack accepts but its docs warn against (chat.update). */
  readonly warnings: SimWarning[] = [];
  readonly users = new Map<string, SimUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channelsById = new Map<string, SimChannel>();
  readonly history = new Map<string, SimMessage[]>();
  readonly pinMeta = new Map<string, { created: number; by: string }>();
  readonly files = new Map<string, SimFile>();
  /** Upload URL path -> the file id it uploads. */
  readonly uploadTickets = new Map<string, string>();
  readonly views = new Map<string, StoredView>();
  readonly triggers = new Map<string, Trigger>();
  private lastTs = 0n;

  constructor(opts: WorkspaceOptions) {
    this.teamId = opts.teamId;
    this.botUserId = opts.botUserId;
    this.triggerTtlMs = opts.triggerTtlMs;
    this.users.set(this.botUserId, { id: this.botUserId, name: 'beacon', real_name: 'Beacon', is_bot: true });
    for (const u of SEEDED_USERS) this.users.set(u.id, { ...u });
    // Every workspace has #general; the bot is not in it until invited, as after installing an app.
    this.addChannel({ name: 'general', members: SEEDED_USERS.map((u) => u.id), creator: 'U0000001' });
  }

  /** A channel made outside Beacon; the bot is not a member unless listed. */
  addChannel(p: { name: string; members?: string[]; isPrivate?: boolean; creator?: string }): SimChannel {
    const problem = channelNameProblem(p.name);
    if (problem) throw new Error(`addChannel: ${problem}`);
    if (this.channelByName(p.name)) throw new Error(`addChannel: name_taken (${p.name})`);
    const ch = this.makeChannel(p.name, p.isPrivate ?? false, p.creator ?? 'U0000001');
    ch.members.push(...(p.members ?? []));
    return ch;
  }

  /** By name, with or without the `#`. */
  channelByName(name: string): SimChannel | undefined {
    return [...this.channelsById.values()].find((c) => c.name === name.replace(/^#/, ''));
  }

  /** Strictly increasing ts across the workspace, from the clock, as Slack's are in practice. */
  nextTs(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.lastTs = now > this.lastTs ? now : this.lastTs + 1n;
    return tsFromKey(this.lastTs);
  }

  makeChannel(name: string, isPrivate: boolean, creator: string): SimChannel {
    let id = randomId('C', 10);
    while (this.channelsById.has(id)) id = randomId('C', 10);
    const ch: SimChannel = {
      id,
      name,
      created: Math.floor(Date.now() / 1000),
      creator,
      is_archived: false,
      is_private: isPrivate,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      members: [],
      pins: [],
    };
    this.channelsById.set(id, ch);
    this.history.set(id, []);
    return ch;
  }

  messagesOf(channelId: string): SimMessage[] {
    let list = this.history.get(channelId);
    if (!list) this.history.set(channelId, (list = []));
    return list;
  }

  findMessage(channelId: string, ts: string): SimMessage | undefined {
    return this.history.get(channelId)?.find((m) => m.ts === ts);
  }

  /** A message from the bot, with a fresh ts; the caller adds it to a channel. */
  botMessage(text: string): SimMessage {
    return { ts: this.nextTs(), user: this.botUserId, bot_id: this.botId, text };
  }

  /** Appends one of the notices Slack writes itself (`subtype` set), from the bot. */
  botNotice(channelId: string, subtype: string, text: string, extra: Partial<SimMessage> = {}): void {
    this.messagesOf(channelId).push({ ts: this.nextTs(), user: this.botUserId, subtype, text, ...extra });
  }

  join(ch: SimChannel, userId: string, inviter?: string): void {
    if (ch.members.includes(userId)) return;
    ch.members.push(userId);
    // Slack writes a channel_join message for every member who joins, creator included.
    this.messagesOf(ch.id).push({
      ts: this.nextTs(),
      user: userId,
      subtype: 'channel_join',
      text: `<@${userId}> has joined the channel`,
      ...(inviter ? { inviter } : {}),
    });
  }

  attachToThread(channelId: string, msg: SimMessage, threadTs: string): void {
    msg.thread_ts = threadTs;
    const parent = this.findMessage(channelId, threadTs);
    if (parent) {
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
    }
  }

  /** False when the user had already reacted with that name. */
  addReaction(msg: SimMessage, name: string, userId: string): boolean {
    msg.reactions ??= [];
    let r = msg.reactions.find((x) => x.name === name);
    if (!r) msg.reactions.push((r = { name, users: [], count: 0 }));
    if (r.users.includes(userId)) return false;
    r.users.push(userId);
    r.count = r.users.length;
    return true;
  }

  displayName(userId: string): string {
    return this.users.get(userId)?.name ?? userId;
  }

  names(): NameLookup {
    return {
      userName: (id) => this.users.get(id)?.name,
      channelName: (id) => this.channelsById.get(id)?.name,
    };
  }

  /** For the test-facing helpers: a missing channel is a mistake in the test, not a Slack error. */
  inspectChannel(id: string): SimChannel {
    const ch = this.channelsById.get(id);
    if (!ch) throw new Error(`SlackSimulator: no channel ${id}`);
    return ch;
  }

  isMember(ch: SimChannel): boolean {
    return ch.members.includes(this.botUserId);
  }

  /**
   * A channel as the bot can see it: private channels it is not in do not exist for it, so they
   * answer channel_not_found, never not_in_channel.
   */
  visibleChannel(id: string | undefined): SimChannel {
    const ch = id === undefined ? undefined : this.channelsById.get(id);
    if (!ch || (ch.is_private && !this.isMember(ch))) throw new ApiError('channel_not_found');
    return ch;
  }

  /** A visible channel the bot may change: not archived, and the bot is a member. */
  writableChannel(id: string | undefined): SimChannel {
    const ch = this.visibleChannel(id);
    if (ch.is_archived) throw new ApiError('is_archived');
    if (!this.isMember(ch)) throw new ApiError('not_in_channel');
    return ch;
  }

  /** For chat methods, which also take a channel name (`#inc-x` or `inc-x`). */
  postableChannel(idOrName: string | undefined): SimChannel {
    let ch = idOrName === undefined ? undefined : this.channelsById.get(idOrName);
    if (!ch && idOrName) ch = this.channelByName(idOrName);
    return this.writableChannel(ch?.id);
  }

  /** trigger_ids look like Slack's (`<digits>.<digits>.<hex>`) and are good for one views.open. */
  issueTrigger(userId: string): string {
    const id = `${Date.now()}${randomInt(1000)}.${randomInt(1e9)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { issuedAt: Date.now(), userId, used: false });
    return id;
  }
}

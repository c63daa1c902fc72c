import { ErrorCode, WebClient, WebClientEvent } from '@slack/web-api';
import type { OpenChannel } from '../incidents/ports.js';
import type { Logger } from '../log.js';
import type { SlackMessage } from './blocks/types.js';
import { slackLogger } from './logger.js';
import type { SlackPacer } from './pacing.js';

/**
 * Beacon's Web API client: each Slack method it calls, with Slack's errors sorted into expected
 * outcomes and thrown failures. Internal to src/slack/: the domain talks to the intent-level
 * ports (incidents/ports.ts, runbooks/ports.ts, reports/ports.ts) that chat.ts implements on it.
 */
export interface SlackGateway {
  botUserId(): Promise<string>;
  /** A public channel, or a private one (`groups:write`). */
  createChannel(name: string, isPrivate?: boolean): Promise<OpenChannel>;
  /** The channel of that exact name, searching public and private channels (those the bot is in) page by page. */
  findChannelByName(name: string): Promise<{ id: string; creator: string } | null>;
  /** Joins a public channel (the announce channel, when nobody invited Beacon there). */
  joinChannel(channelId: string): Promise<void>;
  /** The members of a channel, page by page (`groups:read` for a private one). */
  channelMembers(channelId: string): Promise<string[]>;
  /** Invites users; those already in the channel are fine. */
  invite(channelId: string, userIds: string[]): Promise<void>;
  postMessage(channelId: string, msg: SlackMessage, metadata?: { eventType: string; key: string }): Promise<string>;
  updateMessage(channelId: string, ts: string, msg: SlackMessage, metadata?: { eventType: string; key: string }): Promise<void>;
  /** The ts of Beacon's own recent message carrying this metadata, if it was posted. */
  findMessageByMetadata(channelId: string, eventType: string, key: string): Promise<string | null>;
  pin(channelId: string, ts: string): Promise<void>;
  setTopic(channelId: string, topic: string): Promise<void>;
  postEphemeral(channelId: string, userId: string, msg: SlackMessage): Promise<void>;
  /** One message of a channel (text, author, time), for pinned-to-timeline. */
  getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string; ts: string } | null>;
  uploadFile(channelId: string, p: { filename: string; title: string; content: string; comment: string }): Promise<void>;
  /** True when a recent message of the channel carries a file of that name (an upload that went through). */
  hasFile(channelId: string, filename: string): Promise<boolean>;
  /** Display names of Slack users (cached per process); unknown ids are left out. */
  userNames(ids: string[]): Promise<Record<string, string>>;
}

/** A Slack answer Beacon did not expect: surfaced as a thrown error so BullMQ retries the job. */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly slackError: string,
  ) {
    super(`Slack ${method} failed: ${slackError}`);
  }
}

export type SlackCallObserver = (method: string, outcome: 'ok' | 'error' | 'rate_limited' | 'http_error') => void;

export interface SlackGatewayOptions {
  token: string;
  apiUrl: string;
  log: Logger;
  observe?: SlackCallObserver;
  retries?: number;
  /** Beacon's pacing by Slack's tiers, shared by every worker (src/slack/pacing.ts); none: unpaced. */
  pacer?: SlackPacer;
}

/** conversations.invite takes "up to 100 users" a call (its reference page). */
export const MAX_INVITE_USERS = 100;

/** `{ metadata }` for chat.postMessage / chat.update, or nothing. */
const metadataArg = (metadata?: { eventType: string; key: string }) =>
  metadata ? { metadata: { event_type: metadata.eventType, event_payload: { key: metadata.key } } } : {};

const isErr = (err: unknown, ...codes: string[]) => err instanceof SlackApiError && codes.includes(err.slackError);

/**
 * The Web API gateway. Rate limits (429) are waited out as `Retry-After` says and 5xx answers
 * are retried a few times inside WebClient; what still fails is thrown, and the job's own retry
 * (BullMQ backoff) takes over. Each step's result is recorded by the caller before the next.
 * Its methods use `this`: call them on the gateway (`gw.postMessage(...)`), not detached.
 */
class WebApiGateway implements SlackGateway {
  private readonly client: WebClient;
  private readonly observe: SlackCallObserver;
  private readonly log: Logger;
  private readonly pacer: SlackPacer | undefined;
  private botUser: Promise<string> | undefined;
  private readonly names = new Map<string, string>();

  constructor(opts: SlackGatewayOptions) {
    this.client = new WebClient(opts.token, {
      slackApiUrl: opts.apiUrl,
      logger: slackLogger(opts.log),
      timeout: 15_000,
      retryConfig: { retries: opts.retries ?? 4, factor: 2, minTimeout: 200, maxTimeout: 3_000, randomize: true },
    });
    this.log = opts.log;
    this.pacer = opts.pacer;
    const observe = opts.observe ?? (() => {});
    this.observe = observe;
    this.client.on(WebClientEvent.RATE_LIMITED, (sec: number, { url, body }: { url: string; body?: Record<string, unknown> }) => {
      const method = url.replace(opts.apiUrl, '');
      observe(method, 'rate_limited');
      // Refused anyway: every worker holds back for as long as Slack said.
      const channel = typeof body?.channel === 'string' ? body.channel : undefined;
      this.pacer?.penalize(method, channel, sec * 1000).catch(() => {});
    });
  }

  /**
   * One Web API call, after its slot in Beacon's pacing: waited for when near, else RetryLater
   * (nothing sent). A `deferrable` call (cosmetic) goes only when its slot is free at once.
   */
  private async call<T = Record<string, unknown>>(method: string, args: Record<string, unknown>, pace: { deferrable?: boolean } = {}): Promise<T> {
    await this.pacer?.take(method, typeof args.channel === 'string' ? args.channel : undefined, pace);
    try {
      const res = (await this.client.apiCall(method, args)) as unknown as T;
      this.observe(method, 'ok');
      return res;
    } catch (err) {
      const e = err as { code?: string; data?: { error?: string } };
      if (e.code === ErrorCode.PlatformError) {
        this.observe(method, 'error');
        throw new SlackApiError(method, e.data?.error ?? 'unknown_error');
      }
      this.observe(method, 'http_error');
      throw err;
    }
  }

  botUserId(): Promise<string> {
    const botUser = (this.botUser ??= this.call<{ user_id: string }>('auth.test', {}).then((r) => r.user_id));
    botUser.catch(() => {
      this.botUser = undefined;
    });
    return botUser;
  }

  async createChannel(name: string, isPrivate = false): Promise<OpenChannel> {
    try {
      const res = await this.call<{ channel: { id: string } }>('conversations.create', { name, is_private: isPrivate });
      return { ok: true, id: res.channel.id };
    } catch (err) {
      if (isErr(err, 'name_taken')) return { ok: false, reason: 'name_taken' };
      if (isErr(err, 'invalid_name_specials', 'invalid_name', 'invalid_name_maxlength', 'invalid_name_required', 'invalid_name_punctuation')) return { ok: false, reason: 'invalid_name' };
      throw err;
    }
  }

  async findChannelByName(name: string): Promise<{ id: string; creator: string } | null> {
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await this.call<{ channels: { id: string; name: string; creator: string }[]; response_metadata?: { next_cursor?: string } }>(
        'conversations.list',
        // The reference page: "Must be an integer under 1000".
        { types: 'public_channel,private_channel', exclude_archived: false, limit: 999, ...(cursor ? { cursor } : {}) },
      );
      const hit = res.channels.find((c) => c.name === name);
      if (hit) return { id: hit.id, creator: hit.creator };
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  async joinChannel(channelId: string): Promise<void> {
    await this.call('conversations.join', { channel: channelId });
  }

  async channelMembers(channelId: string): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await this.call<{ members: string[]; response_metadata?: { next_cursor?: string } }>('conversations.members', { channel: channelId, limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...res.members);
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return out;
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += MAX_INVITE_USERS) await this.inviteSome(channelId, ids.slice(i, i + MAX_INVITE_USERS));
  }

  /** At most 100 users; `force` invites the valid ones even when some ids are not (Slack's documented flag). */
  private async inviteSome(channelId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    try {
      await this.call('conversations.invite', { channel: channelId, users: userIds.join(','), force: true });
    } catch (err) {
      if (isErr(err, 'already_in_channel', 'cant_invite_self')) return;
      // One bad id must not keep the others out: invite them one by one.
      if (isErr(err, 'user_not_found', 'cant_invite', 'user_is_restricted') && userIds.length > 1) {
        for (const u of userIds) {
          try {
            await this.call('conversations.invite', { channel: channelId, users: u });
          } catch (e) {
            if (!isErr(e, 'already_in_channel', 'cant_invite_self', 'user_not_found', 'cant_invite', 'user_is_restricted')) throw e;
            this.log.warn({ channelId, user: u, error: (e as SlackApiError).slackError }, 'could not invite responder');
          }
        }
        return;
      }
      throw err;
    }
  }

  async postMessage(channelId: string, msg: SlackMessage, metadata?: { eventType: string; key: string }): Promise<string> {
    const res = await this.call<{ ts: string }>('chat.postMessage', {
      channel: channelId,
      text: msg.text,
      blocks: msg.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...metadataArg(metadata),
    });
    return res.ts;
  }

  async updateMessage(channelId: string, ts: string, msg: SlackMessage, metadata?: { eventType: string; key: string }): Promise<void> {
    await this.call('chat.update', { channel: channelId, ts, text: msg.text, blocks: msg.blocks, ...metadataArg(metadata) });
  }

  async findMessageByMetadata(channelId: string, eventType: string, key: string): Promise<string | null> {
    const me = await this.botUserId();
    let cursor: string | undefined;
    // Beacon's own messages are near the top of a fresh incident channel; a few pages suffice.
    for (let page = 0; page < 5; page++) {
      const res = await this.call<{
        messages: { ts: string; user?: string; metadata?: { event_type?: string; event_payload?: { key?: string } } }[];
        response_metadata?: { next_cursor?: string };
      }>('conversations.history', { channel: channelId, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) });
      const hit = res.messages.find(
        (m) => m.metadata?.event_type === eventType && m.metadata.event_payload?.key === key && (!m.user || m.user === me),
      );
      if (hit) return hit.ts;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  async pin(channelId: string, ts: string): Promise<void> {
    try {
      await this.call('pins.add', { channel: channelId, timestamp: ts });
    } catch (err) {
      if (isErr(err, 'already_pinned')) return;
      throw err;
    }
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    // Cosmetic: under pressure it waits for a free slot in a job of its own, never in an opening.
    await this.call('conversations.setTopic', { channel: channelId, topic }, { deferrable: true });
  }

  async postEphemeral(channelId: string, userId: string, msg: SlackMessage): Promise<void> {
    try {
      await this.call('chat.postEphemeral', { channel: channelId, user: userId, text: msg.text, blocks: msg.blocks });
    } catch (err) {
      // The person left the channel: nothing useful to retry.
      if (isErr(err, 'user_not_in_channel', 'channel_not_found')) return;
      throw err;
    }
  }

  async getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string; ts: string } | null> {
    const res = await this.call<{ messages: { ts: string; text?: string; user?: string }[] }>('conversations.history', {
      channel: channelId,
      latest: ts,
      oldest: ts,
      inclusive: true,
      limit: 1,
    });
    let m = res.messages.find((x) => x.ts === ts);
    if (!m) {
      // A reply in a thread is not in the channel's history; conversations.replies takes the
      // ts of any message of a thread.
      const thread = await this.call<{ messages: { ts: string; text?: string; user?: string }[] }>('conversations.replies', { channel: channelId, ts, limit: 200 }).catch(
        (err: unknown) => {
          if (isErr(err, 'thread_not_found', 'message_not_found')) return { messages: [] };
          throw err;
        },
      );
      m = thread.messages.find((x) => x.ts === ts);
    }
    return m ? { ts: m.ts, text: m.text ?? '', ...(m.user ? { user: m.user } : {}) } : null;
  }

  async uploadFile(channelId: string, p: { filename: string; title: string; content: string; comment: string }): Promise<void> {
    // filesUploadV2 makes its two calls itself: their slots are taken first.
    await this.pacer?.take('files.getUploadURLExternal');
    await this.pacer?.take('files.completeUploadExternal');
    await this.client.filesUploadV2({
      channel_id: channelId,
      filename: p.filename,
      title: p.title,
      content: p.content,
      initial_comment: p.comment,
    });
    this.observe('files.uploadV2', 'ok');
  }

  async hasFile(channelId: string, filename: string): Promise<boolean> {
    const res = await this.call<{ messages: { files?: { name?: string }[] }[] }>('conversations.history', { channel: channelId, limit: 200 });
    return res.messages.some((m) => m.files?.some((f) => f.name === filename));
  }

  async userNames(ids: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const id of [...new Set(ids)].slice(0, 50)) {
      let name = this.names.get(id);
      if (name === undefined) {
        try {
          const res = await this.call<{ user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } } }>('users.info', { user: id });
          const u = res.user;
          name = u?.profile?.display_name || u?.name || u?.real_name || u?.profile?.real_name || '';
        } catch (err) {
          if (!(err instanceof SlackApiError)) throw err;
          name = '';
        }
        this.names.set(id, name);
      }
      if (name) out[id] = name;
    }
    return out;
  }
}

/** The Web API gateway (see WebApiGateway): one WebClient, its caches and its call counters. */
export function createSlackGateway(opts: SlackGatewayOptions): SlackGateway {
  return new WebApiGateway(opts);
}

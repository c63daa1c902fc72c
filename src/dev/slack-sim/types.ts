import type { TiersOptions } from './tiers.js';

/**
 * The simulator's public types: its options, the faults it can inject, what it records, and the
 * workspace objects tests inspect. `slack-simulator.ts` re-exports all of them.
 */


export interface SimulatorOptions {
  botToken: string;
  /** Secret for signing requests into Beacon; a random one is made when omitted. */
  signingSecret?: string;
  teamId?: string;
  /** The bot's user id; default `UBEACONBOT`. */
  botUserId?: string;
  /**
   * How long a trigger_id stays usable for `views.open`. Slack's window is 3 seconds, and an app
   * that queues the modal behind slower work misses it, so the default is Slack's.
   */
  triggerTtlMs?: number;
  /** The `xapp-` app-level token: enables Socket Mode (`apps.connections.open` and a WebSocket). */
  appToken?: string;
  /**
   * The bot token's OAuth scopes (e.g. the manifest's). Given, every call is checked against them
   * and one that needs a scope not granted answers `missing_scope`; omitted, every scope is granted.
   * `'manifest'`: the bot scopes Beacon's `manifest.yml` asks for.
   */
  scopes?: readonly string[] | 'manifest';
  /**
   * `tiers` mode: Slack's rate limits per method (Tier 1-4, chat.postMessage per channel), 429
   * with Retry-After beyond them; `scale` makes the allowances refill that much faster.
   */
  tiers?: TiersOptions;
  /** Sign in with Slack: the app's client id and secret (defaults `SIM_CLIENT_ID`, `SIM_CLIENT_SECRET` in `oidc.ts`). */
  clientId?: string;
  clientSecret?: string;
  /** The app's registered redirect URLs; omitted, any http(s) redirect_uri is accepted. */
  redirectUrls?: readonly string[];
}

/** Something Slack accepts but its documentation warns against, recorded (never answered) by the simulator. */
export interface SimWarning {
  method: string;
  channel: string;
  ts: string;
  blockId: string;
  actionId?: string;
  message: string;
  at: number;
}

/** A failure to inject: a rate limit, a gateway error, or a Slack error code in a 200. */
export type Fault = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string };

export interface RecordedCall {
  method: string;
  /** Arguments as sent, with JSON-string arguments (blocks, metadata, view...) decoded; never the token. */
  params: Record<string, unknown>;
  at: number;
  status: number;
  ok: boolean;
  error?: string;
}

export interface SimText {
  value: string;
  creator: string;
  last_set: number;
}

export interface SimChannel {
  id: string;
  name: string;
  created: number;
  creator: string;
  is_archived: boolean;
  is_private: boolean;
  topic: SimText;
  purpose: SimText;
  members: string[];
  /** ts of the pinned messages, in pin order. */
  pins: string[];
}

export interface SimFileRef {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
}

export interface SimReaction {
  name: string;
  users: string[];
  count: number;
}

export interface SimMessage {
  ts: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: Record<string, unknown>[];
  attachments?: Record<string, unknown>[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  files?: SimFileRef[];
  edited?: { user: string; ts: string };
  thread_ts?: string;
  reply_count?: number;
  reactions?: SimReaction[];
  /** Set on the messages Slack itself writes: `channel_join`, `channel_topic`, `pinned_item`... */
  subtype?: string;
  /** channel_join: who invited the member. */
  inviter?: string;
  /** channel_topic / channel_purpose: the new value. */
  topic?: string;
  purpose?: string;
}

export interface SimUser {
  id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
}

/** A message only one user saw: `chat.postEphemeral`, an ephemeral `response_url` post, a command's ack body. */
export interface SimEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: Record<string, unknown>[];
  source: 'chat.postEphemeral' | 'response_url' | 'command_ack';
  at: number;
}

export interface SimView {
  id: string;
  userId: string;
  /** The view object as Slack returns it from views.open / views.update. */
  view: Record<string, unknown>;
}

export interface SimFile {
  id: string;
  name: string;
  title: string;
  length: number;
  content?: Buffer;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
}

/** What Beacon answered to a request the simulator sent it. */
export interface Delivery {
  status: number;
  body: string;
  /** Time Beacon took to answer; Slack gives up after 3000 ms. */
  ms: number;
}

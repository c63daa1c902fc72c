/**
 * A local stand-in for Slack, for tests and `npm run demo` (there is no network here).
 *
 * Two directions, both over real HTTP so Beacon's own clients and verifiers run unchanged:
 * - Slack's Web API, which Beacon reaches through `SLACK_API_URL` with a @slack/web-api WebClient.
 *   It keeps a workspace in memory (users, channels, messages, pins, files, modals) and answers as
 *   Slack does, errors included: the same error codes, `invalid_blocks` with json-pointer messages,
 *   429 with `Retry-After`, gateway 5xx pages. Tests can inject those faults and hold a call open.
 * - Requests into Beacon (slash commands, block actions, view submissions, Events API), signed with
 *   the v0 scheme exactly as Slack signs them, with `response_url`s that point back here.
 *
 * Where Slack's behaviour is undocumented the simulator follows what Slack was observed to answer
 * and says so in a comment; where it is documented, it follows the documentation.
 * Only node built-ins are used (and jose, a dependency, to sign Sign in with Slack's id_tokens),
 * so the demo runs from a plain `npm ci`.
 *
 * This file is the public entry; the parts live in `./slack-sim/`: the workspace (`workspace.ts`),
 * the Web API endpoint (`http.ts`) and its methods (`methods/`), Block Kit checks (`block-kit.ts`),
 * requests into Beacon (`deliveries.ts`) and response_urls (`response-urls.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SocketModeServer } from './socket-mode.js';
import { Deliveries, postOverSocket, postSigned, type BlockAction, type EventDelivery, type PostOptions, type SlashCommand, type ViewSubmission } from './slack-sim/deliveries.js';
import { close, listen, readBody, sendText, WebApi } from './slack-sim/http.js';
import { METHODS } from './slack-sim/methods/index.js';
import { receiveUpload } from './slack-sim/methods/files.js';
import { SignInWithSlack } from './slack-sim/oidc.js';
import { ResponseUrls } from './slack-sim/response-urls.js';
import { exportRecording } from './slack-sim/recordings.js';
import { manifestBotScopes } from './slack-sim/scopes.js';
import { RateTiers } from './slack-sim/tiers.js';
import { transcript } from './slack-sim/transcript.js';
import type { Delivery, Fault, RecordedCall, SimChannel, SimEphemeral, SimMessage, SimulatorOptions, SimUser, SimView, SimWarning } from './slack-sim/types.js';
import { SYSTEM_SUBTYPES, Workspace } from './slack-sim/workspace.js';

export type {
  Delivery,
  Fault,
  RecordedCall,
  SimChannel,
  SimEphemeral,
  SimFile,
  SimFileRef,
  SimMessage,
  SimReaction,
  SimText,
  SimulatorOptions,
  SimUser,
  SimView,
  SimWarning,
} from './slack-sim/types.js';
export type { TiersOptions } from './slack-sim/tiers.js';
export { signSlackRequest } from './slack-sim/deliveries.js';

/** Something in the workspace may have changed: a Web API call, an upload, a response_url post, a person's act. */
export interface SimChange {
  source: 'api' | 'upload' | 'response_url' | 'command' | 'person';
  /** The Web API method, for `api`. */
  method?: string;
}

/** The simulated Slack: start() it, point Beacon at its `url`, drive Beacon with its requests, inspect what Beacon did. */
export class SlackSimulator {
  readonly signingSecret: string;
  readonly teamId: string;
  readonly teamDomain: Workspace['teamDomain'];
  readonly botUserId: string;
  readonly botId: Workspace['botId'];
  readonly appId: Workspace['appId'];
  /** The legacy verification token Slack still puts in payloads. */
  readonly verificationToken = 'simVerificationToken0000';

  /** Socket Mode's server side; requests into Beacon go over it while `transport` is `'socket'`. */
  readonly socketMode: SocketModeServer;
  /** How requests into Beacon travel: signed HTTP POSTs (default) or Socket Mode envelopes. */
  transport: 'http' | 'socket' = 'http';
  /** Sign in with Slack: the authorize page, the id_token keys, `openid.connect.*` (`slack-sim/oidc.ts`). */
  readonly signIn: SignInWithSlack;

  private readonly ws: Workspace;
  private readonly webApi: WebApi;
  private readonly responseUrls: ResponseUrls;
  private readonly deliveries: Deliveries;
  private server: Server | undefined;
  private requestUrl: string | undefined;
  private readonly listeners = new Set<(change: SimChange) => void>();

  constructor(opts: SimulatorOptions) {
    this.socketMode = new SocketModeServer('A0BEACONAPP');
    this.signingSecret = opts.signingSecret ?? randomBytes(16).toString('hex');
    this.ws = new Workspace({ teamId: opts.teamId ?? 'T0SIMTEAM1', botUserId: opts.botUserId ?? 'UBEACONBOT', triggerTtlMs: opts.triggerTtlMs ?? 3000 });
    this.teamId = this.ws.teamId;
    this.teamDomain = this.ws.teamDomain;
    this.botUserId = this.ws.botUserId;
    this.botId = this.ws.botId;
    this.appId = this.ws.appId;
    this.signIn = new SignInWithSlack(this.ws, { clientId: opts.clientId, clientSecret: opts.clientSecret, redirectUrls: opts.redirectUrls });
    const scopes = opts.scopes === 'manifest' ? manifestBotScopes() : opts.scopes;
    const tokens = { bot: opts.botToken, ...(opts.appToken ? { app: opts.appToken } : {}), ...(scopes ? { scopes } : {}) };
    this.webApi = new WebApi(this.ws, METHODS, tokens, opts.tiers ? new RateTiers(opts.tiers) : undefined);
    this.responseUrls = new ResponseUrls(this.ws);
    this.deliveries = new Deliveries(this.ws, this.responseUrls, this.verificationToken, (body, contentType, o) => this.signedPost(body, contentType, o));
  }

  /** Every Web API call, in arrival order, faulted ones included. */
  get calls(): RecordedCall[] {
    return this.webApi.calls;
  }
  set calls(calls: RecordedCall[]) {
    this.webApi.calls = calls;
  }

  /** What Slack accepts but its docs warn against (a chat.update keeping an input's block_id while its value changed). */
  get warnings(): SimWarning[] {
    return this.ws.warnings;
  }

  /** Every post Beacon made to a response_url. */
  get responses(): { url: string; body: unknown }[] {
    return this.responseUrls.responses;
  }
  set responses(responses: { url: string; body: unknown }[]) {
    this.responseUrls.responses = responses;
  }

  /** Messages only one user saw. */
  get ephemerals(): SimEphemeral[] {
    return this.ws.ephemerals;
  }
  set ephemerals(ephemerals: SimEphemeral[]) {
    this.ws.ephemerals = ephemerals;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------

  /** Listens on 127.0.0.1 and resolves the Web API base URL (for SLACK_API_URL), ending in `/api/`. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('SlackSimulator already started');
    const { server, origin } = await listen(
      port,
      (req, res) => this.route(req, res),
      (req: IncomingMessage, socket: Duplex) => {
        if ((req.url ?? '').startsWith('/socket-mode')) this.socketMode.handleUpgrade(req, socket);
        else socket.destroy();
      },
    );
    this.server = server;
    this.ws.origin = origin;
    return this.url;
  }

  /** Closes the server, cutting held and keep-alive connections rather than waiting on them. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.socketMode.closeAll();
    await close(server);
    exportRecording(this.calls, this.channels(), this.warnings);
  }

  /** The Web API base URL, e.g. `http://127.0.0.1:PORT/api/`; only after start(). */
  get url(): string {
    if (!this.ws.origin) throw new Error('SlackSimulator not started: call start() first');
    return `${this.ws.origin}/api/`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      await this.webApi.handle(req, res, url, body);
      return this.changed({ source: 'api', method: url.pathname.slice('/api/'.length) });
    }
    if (url.pathname.startsWith('/upload/v1/')) {
      receiveUpload(this.ws, req, res, url, body);
      return this.changed({ source: 'upload' });
    }
    if (url.pathname.startsWith('/hooks/')) {
      this.responseUrls.handle(req, res, url, body);
      return this.changed({ source: 'response_url' });
    }
    if (await this.signIn.handle(req, res, url, body)) return;
    sendText(res, 404, 'not found');
  }

  /**
   * Calls `fn` after anything that may have changed the workspace (every Web API call, reads
   * included; uploads; response_url posts; a command's ack; a person's message or reaction).
   * Returns the unsubscribe function. A listener that throws is ignored.
   */
  onChange(fn: (change: SimChange) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private changed(change: SimChange): void {
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch {
        // A listener's failure is its own; the simulator carries on.
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Fault injection
  // -------------------------------------------------------------------------------------------

  /**
   * The next `times` calls of `method` fail with `fault` and change nothing: 429 with a
   * Retry-After header and `{ ok: false, error: 'ratelimited' }`; 5xx with an HTML page as a
   * gateway sends; `{ error }` as HTTP 200 `{ ok: false, error }`.
   */
  /** Turns `tiers` mode on (or off, with no options) while running: the bench's storm under Slack's limits. */
  setTiers(opts?: ConstructorParameters<typeof RateTiers>[0]): void {
    this.webApi.tiers = opts ? new RateTiers(opts) : undefined;
  }

  /** Every Web API answer waits this long (a realistic Slack round trip); 0 by default. */
  setLatency(ms: number): void {
    this.webApi.latencyMs = ms;
  }

  failNext(method: string, fault: Fault, times = 1): void {
    this.webApi.failNext(method, fault, times);
  }

  /**
   * The next call of `method` takes effect (the channel is created, the message posted), then
   * `reached` resolves and the HTTP answer is withheld until `release()`. This reproduces a client
   * that dies after Slack acted but before it learnt the result. A client that disconnects while
   * held is simply dropped.
   */
  hold(method: string): { reached: Promise<RecordedCall>; release(): void } {
    return this.webApi.hold(method);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // -------------------------------------------------------------------------------------------
  // State: seeding and inspection (copies, so a test cannot change the workspace by accident)
  // -------------------------------------------------------------------------------------------

  addUser(user: { id: string; name: string; real_name?: string; is_bot?: boolean }): void {
    this.ws.users.set(user.id, { id: user.id, name: user.name, real_name: user.real_name ?? user.name, is_bot: user.is_bot ?? false });
  }

  /** Everyone in the workspace, the bot included. */
  users(): SimUser[] {
    return [...this.ws.users.values()].map((u) => ({ ...u }));
  }

  addUsergroup(id: string, users: string[]): void {
    this.ws.usergroups.set(id, [...users]);
  }

  /** A channel made outside Beacon (e.g. where people type `/incident`); the bot is not a member unless listed. */
  addChannel(p: { name: string; members?: string[]; isPrivate?: boolean; creator?: string }): SimChannel {
    return structuredClone(this.ws.addChannel(p));
  }

  channels(): SimChannel[] {
    return [...this.ws.channelsById.values()].map((c) => structuredClone(c));
  }

  channelByName(name: string): SimChannel | undefined {
    const ch = this.ws.channelByName(name);
    return ch && structuredClone(ch);
  }

  channel(id: string): SimChannel | undefined {
    const ch = this.ws.channelsById.get(id);
    return ch && structuredClone(ch);
  }

  /** The channel's messages, oldest first, as currently edited; Slack's own join/topic/pin notices left out. */
  messages(channelId: string): SimMessage[] {
    return (this.ws.history.get(channelId) ?? []).filter((m) => !m.subtype || !SYSTEM_SUBTYPES.has(m.subtype)).map((m) => structuredClone(m));
  }

  /** Modals opened with views.open (as last updated), oldest first. */
  openedViews(): SimView[] {
    return [...this.ws.views.values()].map((v) => ({ id: v.id, userId: v.userId, view: structuredClone(v.view) }));
  }

  fileContent(fileId: string): Buffer | undefined {
    const content = this.ws.files.get(fileId)?.content;
    return content && Buffer.from(content);
  }

  /**
   * A message written by a person (state only: to tell Beacon, send the matching event with
   * `event()`, as Slack would if Beacon subscribed to it).
   */
  userMessage(p: { userId: string; channelId: string; text: string; threadTs?: string }): SimMessage {
    const ch = this.ws.inspectChannel(p.channelId);
    const msg: SimMessage = { ts: this.ws.nextTs(), user: p.userId, text: p.text };
    if (p.threadTs) this.ws.attachToThread(ch.id, msg, p.threadTs);
    this.ws.messagesOf(ch.id).push(msg);
    this.changed({ source: 'person' });
    return structuredClone(msg);
  }

  /**
   * A person adds a reaction: recorded on the message, then delivered to Beacon as the
   * `reaction_added` event Slack sends.
   */
  async reactionAdded(p: { userId: string; channelId: string; messageTs: string; reaction: string }): Promise<Delivery> {
    const msg = this.ws.findMessage(p.channelId, p.messageTs);
    if (!msg) throw new Error(`reactionAdded: no message ${p.messageTs} in ${p.channelId}`);
    this.ws.addReaction(msg, p.reaction, p.userId);
    this.changed({ source: 'person' });
    return this.event({
      event: {
        type: 'reaction_added',
        user: p.userId,
        reaction: p.reaction,
        item: { type: 'message', channel: p.channelId, ts: p.messageTs },
        item_user: msg.user,
        event_ts: this.ws.nextTs(),
      },
    });
  }

  /**
   * The channel as a person reads it: one paragraph per message, rendered from its blocks
   * (headers, sections, fields, context, `[Button]`s, `[x]`/`[ ]` checkboxes, `📎 file`s).
   */
  transcript(channelId: string): string {
    return transcript(this.ws, channelId);
  }

  // -------------------------------------------------------------------------------------------
  // Requests into Beacon, signed as Slack signs them
  // -------------------------------------------------------------------------------------------

  /** Beacon's `POST /slack/events` URL. */
  setRequestUrl(url: string): void {
    this.requestUrl = url;
  }

  /** POSTs `body` to the request URL with Slack's signature headers; override any part to test rejection. */
  async signedPost(body: string, contentType: string, opts: PostOptions = {}): Promise<Delivery> {
    if (this.transport === 'socket') return postOverSocket(this.socketMode, body, contentType, opts.headers ?? {});
    if (!this.requestUrl) throw new Error('SlackSimulator: call setRequestUrl() before sending requests to Beacon');
    return postSigned(this.requestUrl, this.signingSecret, body, contentType, opts);
  }

  /**
   * Someone types `/incident <text>` in a channel. Sent form-encoded with the fields Slack sends,
   * in Slack's order. Whatever Beacon answers in the ack body is shown as Slack shows it:
   * ephemeral to the user, or in the channel for `response_type: 'in_channel'`.
   */
  async slashCommand(p: SlashCommand): Promise<Delivery> {
    const delivery = await this.deliveries.slashCommand(p);
    this.changed({ source: 'command' });
    return delivery;
  }

  /**
   * Someone clicks a button, picks an option or ticks a checkbox on a message. The payload is a
   * `block_actions` payload built from the message as it is now (blocks included) and sent as
   * `payload=<json>`, form-encoded, as Slack sends interactivity.
   */
  async blockAction(p: BlockAction): Promise<Delivery> {
    return this.deliveries.blockAction(p);
  }

  /**
   * Someone submits a modal. The view is the one Beacon opened with this callback_id (latest for
   * that user) when there is one, so its blocks and private_metadata come back as Slack returns them.
   */
  async viewSubmission(p: ViewSubmission): Promise<Delivery> {
    return this.deliveries.viewSubmission(p);
  }

  /**
   * An Events API delivery: the `event_callback` envelope, JSON. A retry carries the same event_id
   * with `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, as Slack's retries do.
   */
  async event(p: EventDelivery): Promise<Delivery> {
    return this.deliveries.event(p);
  }
}

/**
 * Requests into Beacon, as Slack sends them: signed with the v0 scheme over HTTP, or as Socket Mode
 * envelopes; and the payloads of slash commands, block actions, view submissions and Events API
 * deliveries, with `response_url`s that point back at the simulator.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isObj, type Obj } from './args.js';
import { apiMessage, viewObject } from './api-objects.js';
import { findElement } from './block-kit.js';
import { randomId, slackGeneratedId } from './ids.js';
import type { ResponseUrls } from './response-urls.js';
import type { SocketModeServer } from '../socket-mode.js';
import type { Delivery } from './types.js';
import type { Workspace } from './workspace.js';

/**
 * `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`: the signature Slack puts in
 * `X-Slack-Signature` on every request it sends an app.
 */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Overrides for a signed request, to test how Beacon rejects a bad one. */
export interface PostOptions {
  timestamp?: number;
  signature?: string;
  headers?: Record<string, string>;
}

export type SignedPost = (body: string, contentType: string, opts?: PostOptions) => Promise<Delivery>;

/** POSTs `body` to `url` with Slack's signature headers (any of them overridden by `opts`). */
export async function postSigned(url: string, signingSecret: string, body: string, contentType: string, opts: PostOptions): Promise<Delivery> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? signSlackRequest(signingSecret, timestamp, body),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      accept: 'application/json,*/*',
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text, ms: Math.round(performance.now() - started) };
}

/**
 * The same request as a Socket Mode envelope: a slash command's fields, an interactive payload,
 * or an Events API envelope with its retry attempt. The app's ack payload comes back as the body.
 */
export async function postOverSocket(socketMode: SocketModeServer, body: string, contentType: string, headers: Record<string, string>): Promise<Delivery> {
  const started = performance.now();
  let envelope: Parameters<SocketModeServer['deliver']>[0];
  if (contentType.includes('json')) {
    const retry = headers['x-slack-retry-num'];
    envelope = {
      type: 'events_api',
      payload: JSON.parse(body) as unknown,
      ...(retry ? { retry_attempt: Number(retry), retry_reason: headers['x-slack-retry-reason'] ?? 'timeout' } : {}),
    };
  } else {
    const form = Object.fromEntries(new URLSearchParams(body));
    envelope = typeof form.payload === 'string' ? { type: 'interactive', payload: JSON.parse(form.payload) as unknown } : { type: 'slash_commands', payload: form };
  }
  const answer = await socketMode.deliver(envelope);
  const text = answer && typeof answer === 'object' && Object.keys(answer).length > 0 ? JSON.stringify(answer) : '';
  return { status: 200, body: text, ms: Math.round(performance.now() - started) };
}

export interface SlashCommand {
  text: string;
  channelId: string;
  channelName?: string;
  userId: string;
  userName?: string;
  command?: string;
  triggerId?: string;
}

export interface BlockAction {
  userId: string;
  channelId: string;
  messageTs: string;
  actionId: string;
  blockId?: string;
  value?: string;
  selectedOption?: { value: string; text?: string };
  selectedOptions?: { value: string }[];
  type?: string;
  triggerId?: string;
}

export interface ViewSubmission {
  userId: string;
  callbackId: string;
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
}

export interface EventDelivery {
  event: Record<string, unknown>;
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
}

const FORM = 'application/x-www-form-urlencoded';

/** Builds what Slack would send for each kind of request and hands it to `post`. */
export class Deliveries {
  constructor(
    private readonly ws: Workspace,
    private readonly responseUrls: ResponseUrls,
    private readonly verificationToken: string,
    private readonly post: SignedPost,
  ) {}

  async slashCommand(p: SlashCommand): Promise<Delivery> {
    const ws = this.ws;
    const responseUrl = this.responseUrls.issue({ kind: 'command', channelId: p.channelId, userId: p.userId });
    const form = new URLSearchParams({
      token: this.verificationToken,
      team_id: ws.teamId,
      team_domain: ws.teamDomain,
      channel_id: p.channelId,
      channel_name: p.channelName ?? ws.channelsById.get(p.channelId)?.name ?? 'unknown',
      user_id: p.userId,
      user_name: p.userName ?? ws.users.get(p.userId)?.name ?? p.userId,
      command: p.command ?? '/incident',
      text: p.text,
      api_app_id: ws.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: p.triggerId ?? ws.issueTrigger(p.userId),
    });
    const delivery = await this.post(form.toString(), FORM, {});
    if (delivery.status === 200) this.responseUrls.showCommandAck(p.channelId, p.userId, delivery.body);
    return delivery;
  }

  async blockAction(p: BlockAction): Promise<Delivery> {
    const ws = this.ws;
    const ch = ws.inspectChannel(p.channelId);
    const msg = ws.findMessage(ch.id, p.messageTs);
    if (!msg) throw new Error(`blockAction: no message ${p.messageTs} in ${p.channelId}`);
    const found = findElement(msg.blocks, p.actionId, p.blockId);
    const element: Obj = found?.element ?? {};
    const type = p.type ?? (typeof element.type === 'string' ? element.type : 'button');
    const blockId = p.blockId ?? (typeof found?.block.block_id === 'string' ? found.block.block_id : slackGeneratedId());
    const { action, state } = actionOf(p, element, type, blockId);
    action.action_ts = ws.nextTs();

    const responseUrl = this.responseUrls.issue({ kind: 'action', channelId: ch.id, userId: p.userId, messageTs: msg.ts });
    const payload = {
      type: 'block_actions',
      user: this.payloadUser(p.userId),
      api_app_id: ws.appId,
      token: this.verificationToken,
      container: { type: 'message', message_ts: msg.ts, channel_id: ch.id, is_ephemeral: false },
      trigger_id: p.triggerId ?? ws.issueTrigger(p.userId),
      team: { id: ws.teamId, domain: ws.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: ch.id, name: ch.name },
      message: apiMessage(ws, ch, msg, { withMetadata: false }),
      // Stateful elements (selects, checkboxes) report their value in state.values too.
      state: { values: type === 'button' ? {} : { [blockId]: { [p.actionId]: { type, ...state } } } },
      response_url: responseUrl,
      actions: [action],
    };
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM);
  }

  async viewSubmission(p: ViewSubmission): Promise<Delivery> {
    const ws = this.ws;
    const opened = [...ws.views.values()].reverse();
    const stored = opened.find((v) => v.view.callback_id === p.callbackId && v.userId === p.userId) ?? opened.find((v) => v.view.callback_id === p.callbackId);
    const view: Obj = stored
      ? structuredClone(stored.view)
      : viewObject(ws, randomId('V', 10), { type: 'modal', callback_id: p.callbackId, title: { type: 'plain_text', text: 'Modal' }, blocks: [] });
    view.state = { values: p.values };
    if (p.privateMetadata !== undefined) view.private_metadata = p.privateMetadata;
    const payload = {
      type: 'view_submission',
      team: { id: ws.teamId, domain: ws.teamDomain },
      user: this.payloadUser(p.userId),
      api_app_id: ws.appId,
      token: this.verificationToken,
      trigger_id: ws.issueTrigger(p.userId),
      view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM);
  }

  async event(p: EventDelivery): Promise<Delivery> {
    const ws = this.ws;
    const event = { ...p.event };
    if (event.event_ts === undefined) event.event_ts = ws.nextTs();
    const envelope = {
      token: this.verificationToken,
      team_id: ws.teamId,
      context_team_id: ws.teamId,
      context_enterprise_id: null,
      api_app_id: ws.appId,
      event,
      type: 'event_callback',
      event_id: p.eventId ?? randomId('Ev', 10),
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: ws.teamId, user_id: ws.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(24).toString('base64url')}`,
    };
    const headers: Record<string, string> = {};
    if (p.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(p.retryNum);
      headers['x-slack-retry-reason'] = p.retryReason ?? 'http_timeout';
    }
    return this.post(JSON.stringify(envelope), 'application/json', { headers });
  }

  private payloadUser(userId: string): Obj {
    const name = this.ws.users.get(userId)?.name ?? userId;
    return { id: userId, username: name, name, team_id: this.ws.teamId };
  }
}

/**
 * The `actions[0]` of a block_actions payload, from the element as it is in the message, and the
 * value it reports in `state.values`: a button's text/value/style, or the options picked.
 */
function actionOf(p: BlockAction, element: Obj, type: string, blockId: string): { action: Obj; state: Obj } {
  const knownOptions = (Array.isArray(element.options) ? element.options : []).filter(isObj);
  const optionFor = (value: string, text?: string): Obj => {
    const known = knownOptions.find((o) => o.value === value);
    if (known) return structuredClone(known);
    return { text: { type: 'plain_text', text: text ?? value, emoji: true }, value };
  };

  const action: Obj = { type, action_id: p.actionId, block_id: blockId };
  const state: Obj = {};
  if (type === 'button') {
    if (element.text !== undefined) action.text = structuredClone(element.text);
    const value = p.value ?? element.value;
    if (value !== undefined) action.value = value;
    if (element.style !== undefined) action.style = element.style;
  } else if (p.selectedOptions !== undefined) {
    action.selected_options = p.selectedOptions.map((o) => optionFor(o.value));
    state.selected_options = action.selected_options;
  } else if (p.selectedOption !== undefined) {
    action.selected_option = optionFor(p.selectedOption.value, p.selectedOption.text);
    state.selected_option = action.selected_option;
  } else if (p.value !== undefined) {
    action.value = p.value;
    state.value = p.value;
  }
  if (element.placeholder !== undefined) action.placeholder = structuredClone(element.placeholder);
  return { action, state };
}

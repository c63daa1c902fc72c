/**
 * The `response_url`s handed to Beacon with commands and actions, and what becomes of a reply
 * posted to one (or sent as a command's ack body): it replaces or deletes the original message,
 * posts in the channel, or shows to one user, as Slack shows it.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObj, jsonArg, NOT_JSON, type Obj } from './args.js';
import { blockProblems, invalidBlocksDetail, normalizeBlocks } from './block-kit.js';
import { sendJson } from './http.js';
import { NO_FALLBACK_TEXT } from './message-content.js';
import type { SimEphemeral } from './types.js';
import type { Workspace } from './workspace.js';

export interface ResponseTarget {
  kind: 'command' | 'action';
  channelId: string;
  userId: string;
  messageTs?: string;
  issuedAt?: number;
  uses?: number;
}

/** Slack's documented limit: a response_url works five times within 30 minutes. */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export class ResponseUrls {
  /** Every post Beacon made to a response_url. */
  responses: { url: string; body: unknown }[] = [];
  private readonly targets = new Map<string, ResponseTarget>();

  constructor(private readonly ws: Workspace) {}

  /** A fresh response_url for a command or an action, pointing back at the simulator. */
  issue(target: ResponseTarget): string {
    if (!this.ws.origin) throw new Error('SlackSimulator not started: call start() first');
    const path = `/hooks/${target.kind === 'command' ? 'commands' : 'actions'}/${this.ws.teamId}/${randomInt(1e12)}/${randomBytes(12).toString('hex')}`;
    this.targets.set(path, { ...target, issuedAt: Date.now(), uses: 0 });
    return `${this.ws.origin}${path}`;
  }

  /**
   * A post to a response_url: recorded, then shown where Slack would show it. Refusals are JSON
   * `{ ok: false, error }` like the successes.
   */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const target = this.targets.get(url.pathname);
    if (!target || req.method !== 'POST') return sendJson(res, 404, { ok: false, error: 'no_service' });
    if (Date.now() - (target.issuedAt ?? 0) > RESPONSE_URL_TTL_MS) return sendJson(res, 404, { ok: false, error: 'expired_url' });
    if ((target.uses ?? 0) >= RESPONSE_URL_USES) return sendJson(res, 404, { ok: false, error: 'used_url' });
    target.uses = (target.uses ?? 0) + 1;
    const text = body.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Slack takes plain text too; it is recorded as sent.
    }
    this.responses.push({ url: `${this.ws.origin ?? ''}${url.pathname}`, body: parsed });
    const reply: Obj = isObj(parsed) ? parsed : { text };
    if (reply.blocks !== undefined) {
      const blocks = jsonArg(reply, 'blocks');
      const problems = blocks === NOT_JSON ? ['must provide an array [json-pointer:/blocks]'] : blockProblems(blocks, 'message', '/blocks');
      // Like incoming webhooks (same hooks host), invalid blocks are a 400.
      if (problems.length) return sendJson(res, 400, { ok: false, error: 'invalid_blocks', ...invalidBlocksDetail(problems) });
    }
    this.showReply(target, reply, 'response_url');
    sendJson(res, 200, { ok: true });
  }

  /** A command's ack body is a message: JSON (text/blocks/response_type) or plain text. */
  showCommandAck(channelId: string, userId: string, body: string): void {
    if (body.trim() === '') return;
    let reply: Obj;
    try {
      const parsed = JSON.parse(body) as unknown;
      reply = isObj(parsed) ? parsed : { text: body };
    } catch {
      reply = { text: body };
    }
    if (reply.text === undefined && reply.blocks === undefined) return;
    this.showReply({ kind: 'command', channelId, userId }, reply, 'command_ack');
  }

  /**
   * Where a reply lands: deleting or replacing the original message (actions only), a new message
   * in the channel for `response_type: 'in_channel'`, otherwise an ephemeral for the user.
   */
  private showReply(target: ResponseTarget, reply: Obj, source: SimEphemeral['source']): void {
    const ws = this.ws;
    const blocksArg = jsonArg(reply, 'blocks');
    const blocks = Array.isArray(blocksArg) ? normalizeBlocks(blocksArg) : undefined;
    const text = typeof reply.text === 'string' ? reply.text : blocks ? NO_FALLBACK_TEXT : '';
    const original = target.messageTs ? ws.findMessage(target.channelId, target.messageTs) : undefined;
    const truthy = (v: unknown) => v === true || v === 'true';
    if (original && truthy(reply.delete_original)) {
      const list = ws.messagesOf(target.channelId);
      list.splice(list.indexOf(original), 1);
      return;
    }
    if (original && truthy(reply.replace_original)) {
      original.text = text;
      if (blocks) original.blocks = blocks;
      else delete original.blocks;
      return;
    }
    if (reply.response_type === 'in_channel' && ws.channelsById.has(target.channelId)) {
      const msg = ws.botMessage(text);
      if (blocks) msg.blocks = blocks;
      ws.messagesOf(target.channelId).push(msg);
      return;
    }
    ws.ephemerals.push({ channel: target.channelId, user: target.userId, text, ...(blocks ? { blocks } : {}), source, at: Date.now() });
  }
}

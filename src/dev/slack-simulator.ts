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
 * Only node built-ins are used, so the demo runs from a plain `npm ci`.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blocksToLines, mrkdwnToText, type NameLookup } from './mrkdwn-text.js';
import { SocketModeServer } from './socket-mode.js';
import type { Duplex } from 'node:stream';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

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

/**
 * `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`: the signature Slack puts in
 * `X-Slack-Signature` on every request it sends an app.
 */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
type Params = Record<string, unknown>;

/** A Slack error answer: `{ ok: false, error: code, ...extra }` with HTTP 200, as Slack sends them. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Obj = {},
  ) {
    super(code);
  }
}

/** Slack's generic answer to a malformed call, with the reasons in `response_metadata.messages`. */
function invalidArguments(messages: string[]): ApiError {
  return new ApiError('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string argument; numbers and booleans count (form bodies carry everything as text). */
function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bool(p: Params, key: string): boolean {
  const v = p[key];
  return v === true || v === 1 || v === 'true' || v === '1';
}

function int(p: Params, key: string): number | undefined {
  const s = str(p, key);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

const NOT_JSON = Symbol('not json');

/**
 * Arguments such as `blocks` arrive as JSON strings from form bodies (that is how WebClient sends
 * them) and as values from JSON bodies. Undefined when absent, NOT_JSON when unparseable.
 */
function jsonArg(p: Params, key: string): unknown {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const JSON_ARGS = ['blocks', 'attachments', 'metadata', 'view', 'files'];

/** Code point count: Slack limits are in characters, not UTF-16 units. */
function charCount(s: string): number {
  return [...s].length;
}

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function randomId(prefix: string, length: number, alphabet = ALNUM_UPPER): string {
  let out = prefix;
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Ids Slack generates for blocks and elements that lack one look like `Hc/4F` or `=Qo`: short and
 * full of characters that break naive parsing. The simulator makes the same kind on purpose.
 */
function slackGeneratedId(): string {
  return randomId('', 3 + randomInt(3), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=');
}

/** ts values are `seconds.micro`; as one bigint they compare and order exactly. */
function tsKey(ts: string): bigint | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts.trim());
  if (!m) return undefined;
  return BigInt(m[1] ?? '0') * 1_000_000n + BigInt((m[2] ?? '0').padEnd(6, '0'));
}

function tsFromKey(key: bigint): string {
  return `${key / 1_000_000n}.${(key % 1_000_000n).toString().padStart(6, '0')}`;
}

function tsSeconds(ts: string): number {
  return Number(ts.split('.')[0]);
}

function encodeCursor(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function decodeCursor(cursor: string, prefix: string): string | undefined {
  const s = Buffer.from(cursor, 'base64').toString('utf8');
  return s.startsWith(`${prefix}:`) ? s.slice(prefix.length + 1) : undefined;
}

/** One page of `items` after the item a cursor names (Slack's cursors are opaque base64 strings). */
function pageOf<T>(items: T[], key: (t: T) => string, prefix: string, cursor: string | undefined, limit: number) {
  let start = 0;
  if (cursor) {
    const at = decodeCursor(cursor, prefix);
    start = at === undefined ? -1 : items.findIndex((t) => key(t) === at);
    if (start === -1) throw new ApiError('invalid_cursor');
  }
  const page = items.slice(start, start + limit);
  const next = items[start + limit];
  return { page, nextCursor: next === undefined ? '' : encodeCursor(`${prefix}:${key(next)}`) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface MultipartPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** Enough of RFC 7578 for what fetch's FormData and curl send: named parts, optional filenames. */
function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundaryText = m?.[1] ?? m?.[2];
  if (!boundaryText) return [];
  const boundary = Buffer.from(`--${boundaryText}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(boundary);
  while (pos !== -1) {
    let start = pos + boundary.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // the closing delimiter
    start += 2; // CRLF after the delimiter
    const next = body.indexOf(boundary, start);
    if (next === -1) break;
    const part = body.subarray(start, next - 2); // each part ends with CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const head = part.subarray(0, headerEnd).toString('utf8');
      const name = /(?:^|;)\s*name="([^"]*)"/im.exec(head)?.[1] ?? '';
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      parts.push({ name, ...(filename === undefined ? {} : { filename }), data: part.subarray(headerEnd + 4) });
    }
    pos = next;
  }
  return parts;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const GATEWAY_PAGES: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const MIME_TYPES: Record<string, [mimetype: string, filetype: string]> = {
  md: ['text/markdown', 'markdown'],
  txt: ['text/plain', 'text'],
  json: ['application/json', 'json'],
  csv: ['text/csv', 'csv'],
  log: ['text/plain', 'text'],
  yaml: ['text/plain', 'yaml'],
  yml: ['text/plain', 'yaml'],
  png: ['image/png', 'png'],
  jpg: ['image/jpeg', 'jpg'],
  pdf: ['application/pdf', 'pdf'],
};

function fileType(name: string): [mimetype: string, filetype: string] {
  const ext = name.includes('.') ? name.split('.').pop()?.toLowerCase() ?? '' : '';
  return MIME_TYPES[ext] ?? ['application/octet-stream', 'binary'];
}

// ---------------------------------------------------------------------------------------------
// Block Kit validation
// ---------------------------------------------------------------------------------------------

/** Where blocks live decides their limits: 50 in a message, 100 in a modal. */
type Surface = 'message' | 'modal';

const BLOCK_TYPES: Record<Surface, ReadonlySet<string>> = {
  message: new Set(['section', 'divider', 'header', 'context', 'actions', 'image', 'input', 'rich_text', 'file', 'video', 'markdown']),
  modal: new Set(['section', 'divider', 'header', 'context', 'actions', 'image', 'input', 'rich_text', 'video']),
};

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const ACTIONS_ELEMENTS = new Set(['button', 'checkboxes', 'datepicker', 'datetimepicker', 'overflow', 'radio_buttons', 'timepicker', 'workflow_button', 'rich_text_input', ...SELECTS]);
const ACCESSORY_ELEMENTS = new Set(['button', 'checkboxes', 'datepicker', 'image', 'overflow', 'radio_buttons', 'timepicker', 'workflow_button', ...SELECTS]);
const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'file_input',
  'checkboxes',
  'radio_buttons',
  'datepicker',
  'timepicker',
  'datetimepicker',
  ...SELECTS,
]);

/**
 * Checks blocks against Block Kit's documented limits and reports problems the way Slack does:
 * `<reason> [json-pointer:/blocks/3/text/text]`. Wording follows Slack's observed messages
 * ("must be less than 3001 characters", "no more than 50 items allowed", "unsupported type: x").
 */
class BlockKitValidator {
  readonly problems: string[] = [];

  constructor(private readonly surface: Surface) {}

  private fail(reason: string, pointer: string): void {
    this.problems.push(`${reason} [json-pointer:${pointer}]`);
  }

  private object(v: unknown, at: string): Obj | undefined {
    if (isObj(v)) return v;
    this.fail('must provide an object', at);
    return undefined;
  }

  /** A string of 1..max characters; returns it when valid. */
  private string(v: unknown, at: string, max: number): string | undefined {
    if (typeof v !== 'string') {
      this.fail('must provide a string', at);
      return undefined;
    }
    const n = charCount(v);
    if (n === 0) this.fail('must be more than 0 characters', at);
    else if (n > max) this.fail(`must be less than ${max + 1} characters`, at);
    else return v;
    return undefined;
  }

  private optionalString(parent: Obj, key: string, at: string, max: number): void {
    if (parent[key] !== undefined) this.string(parent[key], `${at}/${key}`, max);
  }

  /** A composition text object: `{ type: plain_text | mrkdwn, text }`. */
  private text(v: unknown, at: string, max: number, plainOnly = false): void {
    const t = this.object(v, at);
    if (!t) return;
    const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (t.type === undefined) this.fail('missing required field: type', at);
    else if (typeof t.type !== 'string' || !allowed.includes(t.type)) this.fail('must be a valid enum value', `${at}/type`);
    if (t.text === undefined) this.fail('missing required field: text', at);
    else this.string(t.text, `${at}/text`, max);
  }

  private requiredText(parent: Obj, key: string, at: string, max: number, plainOnly = false): void {
    if (parent[key] === undefined) this.fail(`missing required field: ${key}`, at);
    else this.text(parent[key], `${at}/${key}`, max, plainOnly);
  }

  private optionalText(parent: Obj, key: string, at: string, max: number, plainOnly = false): void {
    if (parent[key] !== undefined) this.text(parent[key], `${at}/${key}`, max, plainOnly);
  }

  /** An array of 1..max items; returns it (even when too long, so items are still checked). */
  private array(v: unknown, at: string, max: number): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.fail('must provide an array', at);
      return undefined;
    }
    if (v.length === 0) this.fail('must provide at least 1 item', at);
    if (v.length > max) this.fail(`no more than ${max} items allowed`, at);
    return v;
  }

  blocks(v: unknown, at: string): void {
    const max = this.surface === 'message' ? 50 : 100;
    if (!Array.isArray(v)) return this.fail('must provide an array', at);
    if (v.length > max) this.fail(`no more than ${max} items allowed`, at);
    const blockIds = new Set<string>();
    v.forEach((b, i) => this.block(b, `${at}/${i}`, blockIds));
  }

  private block(v: unknown, at: string, blockIds: Set<string>): void {
    const b = this.object(v, at);
    if (!b) return;
    if (b.type === undefined) return this.fail('missing required field: type', at);
    if (typeof b.type !== 'string' || !BLOCK_TYPES[this.surface].has(b.type)) {
      return this.fail(`unsupported type: ${String(b.type)}`, `${at}/type`);
    }
    if (b.block_id !== undefined) {
      const id = this.string(b.block_id, `${at}/block_id`, 255);
      if (id !== undefined) {
        // block_id identifies where an action came from, so Slack refuses two alike in one surface.
        if (blockIds.has(id)) this.fail(`\`block_id\` "${id}" already exists`, `${at}/block_id`);
        blockIds.add(id);
      }
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) this.fail('must define either `text` or `fields`', `${at}/type`);
        this.optionalText(b, 'text', at, 3000);
        if (b.fields !== undefined) {
          const fields = this.array(b.fields, `${at}/fields`, 10);
          fields?.forEach((f, i) => this.text(f, `${at}/fields/${i}`, 2000));
        }
        if (b.accessory !== undefined) this.element(b.accessory, `${at}/accessory`, ACCESSORY_ELEMENTS, actionIds);
        break;
      }
      case 'header':
        this.requiredText(b, 'text', at, 150, true);
        break;
      case 'context': {
        const elements = this.array(b.elements, `${at}/elements`, 10);
        elements?.forEach((e, i) => {
          const where = `${at}/elements/${i}`;
          if (isObj(e) && e.type === 'image') this.imageElement(e, where);
          else this.text(e, where, 3000);
        });
        break;
      }
      case 'actions': {
        const elements = this.array(b.elements, `${at}/elements`, 25);
        elements?.forEach((e, i) => this.element(e, `${at}/elements/${i}`, ACTIONS_ELEMENTS, actionIds));
        break;
      }
      case 'divider':
        break;
      case 'image':
        this.imageElement(b, at);
        this.optionalText(b, 'title', at, 2000, true);
        break;
      case 'input':
        this.requiredText(b, 'label', at, 2000, true);
        this.optionalText(b, 'hint', at, 2000, true);
        if (b.element === undefined) this.fail('missing required field: element', at);
        else this.element(b.element, `${at}/element`, INPUT_ELEMENTS, actionIds);
        break;
      case 'rich_text':
        if (!Array.isArray(b.elements)) this.fail('must provide an array', `${at}/elements`);
        break;
      case 'file':
        if (b.external_id === undefined) this.fail('missing required field: external_id', at);
        if (b.source === undefined) this.fail('missing required field: source', at);
        break;
      case 'video':
        for (const key of ['alt_text', 'video_url', 'thumbnail_url']) {
          if (b[key] === undefined) this.fail(`missing required field: ${key}`, at);
        }
        this.requiredText(b, 'title', at, 200, true);
        break;
      case 'markdown':
        if (b.text === undefined) this.fail('missing required field: text', at);
        else this.string(b.text, `${at}/text`, 12000);
        break;
    }
  }

  private imageElement(e: Obj, at: string): void {
    if (e.image_url === undefined && e.slack_file === undefined) this.fail('must define either `image_url` or `slack_file`', at);
    this.optionalString(e, 'image_url', at, 3000);
    if (e.alt_text === undefined) this.fail('missing required field: alt_text', at);
    else this.string(e.alt_text, `${at}/alt_text`, 2000);
  }

  private element(v: unknown, at: string, allowed: ReadonlySet<string>, actionIds: Set<string>): void {
    const e = this.object(v, at);
    if (!e) return;
    if (e.type === undefined) return this.fail('missing required field: type', at);
    if (typeof e.type !== 'string' || !allowed.has(e.type)) return this.fail(`unsupported type: ${String(e.type)}`, `${at}/type`);
    if (e.action_id !== undefined) {
      const id = this.string(e.action_id, `${at}/action_id`, 255);
      if (id !== undefined) {
        if (actionIds.has(id)) this.fail(`\`action_id\` "${id}" already exists`, `${at}/action_id`);
        actionIds.add(id);
      }
    }
    switch (e.type) {
      case 'button':
        this.requiredText(e, 'text', at, 75, true);
        this.optionalString(e, 'value', at, 2000);
        this.optionalString(e, 'url', at, 3000);
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') this.fail('must be a valid enum value', `${at}/style`);
        break;
      case 'checkboxes':
        this.options(e, at, 10, true);
        break;
      case 'radio_buttons':
        this.options(e, at, 10, true);
        break;
      case 'overflow':
        this.options(e, at, 5, false);
        break;
      case 'static_select':
      case 'multi_static_select':
        this.optionalText(e, 'placeholder', at, 150, true);
        if (e.options === undefined && e.option_groups === undefined) this.fail('must define either `options` or `option_groups`', at);
        if (e.options !== undefined) this.options(e, at, 100, false);
        if (e.option_groups !== undefined) {
          const groups = this.array(e.option_groups, `${at}/option_groups`, 100);
          groups?.forEach((g, i) => {
            const group = this.object(g, `${at}/option_groups/${i}`);
            if (group) {
              this.requiredText(group, 'label', `${at}/option_groups/${i}`, 75, true);
              this.options(group, `${at}/option_groups/${i}`, 100, false);
            }
          });
        }
        break;
      case 'image':
        this.imageElement(e, at);
        break;
      default:
        this.optionalText(e, 'placeholder', at, 150, true);
    }
  }

  /** `options` of an element: at most `max`, each `{ text <= 75, value <= 150 }`. */
  private options(e: Obj, at: string, max: number, allowMrkdwn: boolean): void {
    if (e.options === undefined) return this.fail('missing required field: options', at);
    const options = this.array(e.options, `${at}/options`, max);
    options?.forEach((o, i) => {
      const where = `${at}/options/${i}`;
      const option = this.object(o, where);
      if (!option) return;
      this.requiredText(option, 'text', where, 75, !allowMrkdwn);
      if (option.value === undefined) this.fail('missing required field: value', where);
      else this.string(option.value, `${where}/value`, 150);
      this.optionalText(option, 'description', where, 75, !allowMrkdwn);
    });
  }
}

function blockProblems(blocks: unknown, surface: Surface, at: string): string[] {
  const v = new BlockKitValidator(surface);
  v.blocks(blocks, at);
  return v.problems;
}

/** A modal view: the view's own fields, then its blocks under `/view/blocks`. */
function viewProblems(view: Obj): string[] {
  const problems: string[] = [];
  const fail = (reason: string, pointer: string) => problems.push(`${reason} [json-pointer:${pointer}]`);
  if (view.type === undefined) fail('missing required field: type', '/view');
  else if (view.type !== 'modal') fail(`unsupported type: ${String(view.type)}`, '/view/type');
  const shortText = (key: string, required: boolean) => {
    const t = view[key];
    if (t === undefined) {
      if (required) fail(`missing required field: ${key}`, '/view');
      return;
    }
    if (!isObj(t) || t.type !== 'plain_text') return fail('must be a plain_text object', `/view/${key}`);
    if (typeof t.text !== 'string' || t.text.length === 0) return fail('must be more than 0 characters', `/view/${key}/text`);
    if (charCount(t.text) > 24) fail('must be less than 25 characters', `/view/${key}/text`);
  };
  shortText('title', true);
  shortText('submit', false);
  shortText('close', false);
  const limits: [string, number][] = [
    ['callback_id', 255],
    ['external_id', 255],
    ['private_metadata', 3000],
  ];
  for (const [key, max] of limits) {
    const v = view[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') fail('must provide a string', `/view/${key}`);
    else if (charCount(v) > max) fail(`must be less than ${max + 1} characters`, `/view/${key}`);
  }
  if (view.blocks === undefined) fail('missing required field: blocks', '/view');
  else problems.push(...blockProblems(view.blocks, 'modal', '/view/blocks'));
  if (Array.isArray(view.blocks) && view.submit === undefined) {
    view.blocks.forEach((b, i) => {
      if (isObj(b) && b.type === 'input') fail('must define `submit` to use an `input` block in modals', `/view/blocks/${i}/input`);
    });
  }
  return problems;
}

/**
 * What Slack stores differs slightly from what was sent: blocks without a block_id get a generated
 * one, elements without an action_id too, and plain_text objects gain `emoji: true`. Beacon sees
 * these in history and in action payloads, so the simulator makes the same changes.
 */
function normalizeBlocks(blocks: unknown[]): Obj[] {
  const addEmoji = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(addEmoji);
    if (!isObj(v)) return v;
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) out[k] = addEmoji(val);
    if (out.type === 'plain_text' && out.emoji === undefined) out.emoji = true;
    return out;
  };
  const withActionId = (e: unknown): unknown =>
    isObj(e) && e.type !== 'image' && e.action_id === undefined ? { ...e, action_id: slackGeneratedId() } : e;
  return blocks.filter(isObj).map((raw) => {
    const b = addEmoji(raw) as Obj;
    if (b.block_id === undefined) b.block_id = slackGeneratedId();
    if (b.type === 'actions' && Array.isArray(b.elements)) b.elements = b.elements.map(withActionId);
    if (b.type === 'section' && b.accessory !== undefined) b.accessory = withActionId(b.accessory);
    if (b.type === 'input' && b.element !== undefined) b.element = withActionId(b.element);
    return b;
  });
}

/** Where an interactive element sits in a message, found by action_id (and block_id when given). */
function findElement(blocks: Obj[] | undefined, actionId: string, blockId?: string): { block: Obj; element: Obj } | undefined {
  for (const block of blocks ?? []) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory, block.element];
    for (const element of candidates) {
      if (isObj(element) && element.action_id === actionId) return { block, element };
    }
  }
  return undefined;
}

/** Channel names: lower-case letters (any script), digits, `-` and `_`, at most 80 characters. */
function channelNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'invalid_name_required';
  if (charCount(name) > 80) return 'invalid_name_maxlength';
  if (!/^[\p{Ll}\p{Lo}\p{Nd}_-]+$/u.test(name)) return 'invalid_name_specials';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

/** Messages Slack writes itself; `messages()` leaves them out, history and transcripts keep them. */
const SYSTEM_SUBTYPES = new Set(['channel_join', 'channel_leave', 'channel_topic', 'channel_purpose', 'channel_name', 'channel_archive', 'pinned_item']);

/** Slack sets this text on a message posted with blocks and no `text`. */
const NO_FALLBACK_TEXT = "This content can't be displayed.";

// ---------------------------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------------------------

interface HoldEntry {
  reached: (call: RecordedCall) => void;
  released: Promise<void>;
}

interface ResponseTarget {
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

interface Trigger {
  issuedAt: number;
  userId: string;
  used: boolean;
}

interface StoredView {
  id: string;
  userId: string;
  view: Obj;
}

type Handler = (p: Params) => Obj;

/** Checked message arguments; `metadata: null` means "remove it" (chat.update with `{}`). */
interface MessageContent {
  text?: string;
  blocks?: Obj[];
  attachments?: Obj[];
  metadata?: SimMessage['metadata'] | null;
}

const SEEDED_USERS: SimUser[] = [
  { id: 'U0000001', name: 'alice', real_name: 'Alice Adams', is_bot: false },
  { id: 'U0000002', name: 'bob', real_name: 'Bob Brown', is_bot: false },
  { id: 'U0000003', name: 'carol', real_name: 'Carol Chen', is_bot: false },
  { id: 'U0000004', name: 'dave', real_name: 'Dave Diaz', is_bot: false },
  { id: 'U0000005', name: 'erin', real_name: 'Erin Evans', is_bot: false },
];

export class SlackSimulator {
  /** Every Web API call, in arrival order, faulted ones included. */
  calls: RecordedCall[] = [];
  /** Every post Beacon made to a response_url. */
  responses: { url: string; body: unknown }[] = [];
  /** Messages only one user saw. */
  ephemerals: SimEphemeral[] = [];

  readonly signingSecret: string;
  readonly teamId: string;
  readonly teamDomain = 'beacon-sim';
  readonly botUserId: string;
  readonly botId = 'B0BEACONBOT';
  readonly appId = 'A0BEACONAPP';
  /** The legacy verification token Slack still puts in payloads. */
  readonly verificationToken = 'simVerificationToken0000';

  private readonly botToken: string;
  private readonly triggerTtlMs: number;
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private requestUrl: string | undefined;

  private readonly users = new Map<string, SimUser>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly channelsById = new Map<string, SimChannel>();
  private readonly history = new Map<string, SimMessage[]>();
  private readonly pinMeta = new Map<string, { created: number; by: string }>();
  private readonly files = new Map<string, SimFile>();
  private readonly uploadTickets = new Map<string, string>();
  private readonly views = new Map<string, StoredView>();
  private readonly triggers = new Map<string, Trigger>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly holds = new Map<string, HoldEntry[]>();
  private readonly methods: Record<string, Handler>;
  private lastTs = 0n;

  /** Socket Mode's server side; requests into Beacon go over it while `transport` is `'socket'`. */
  readonly socketMode: SocketModeServer;
  /** How requests into Beacon travel: signed HTTP POSTs (default) or Socket Mode envelopes. */
  transport: 'http' | 'socket' = 'http';
  private readonly appToken?: string;

  constructor(opts: SimulatorOptions) {
    this.socketMode = new SocketModeServer('A0BEACONAPP');
    if (opts.appToken) this.appToken = opts.appToken;
    this.botToken = opts.botToken;
    this.signingSecret = opts.signingSecret ?? randomBytes(16).toString('hex');
    this.teamId = opts.teamId ?? 'T0SIMTEAM1';
    this.botUserId = opts.botUserId ?? 'UBEACONBOT';
    this.triggerTtlMs = opts.triggerTtlMs ?? 3000;
    this.users.set(this.botUserId, { id: this.botUserId, name: 'beacon', real_name: 'Beacon', is_bot: true });
    for (const u of SEEDED_USERS) this.users.set(u.id, { ...u });
    // Every workspace has #general; the bot is not in it until invited, as after installing an app.
    this.addChannel({ name: 'general', members: SEEDED_USERS.map((u) => u.id), creator: 'U0000001' });
    this.methods = this.buildMethods();
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------

  /** Listens on 127.0.0.1 and resolves the Web API base URL (for SLACK_API_URL), ending in `/api/`. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('SlackSimulator already started');
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        // A bug in the simulator must be loud, not look like a Slack answer.
        console.error('SlackSimulator bug:', err);
        if (!res.headersSent) sendText(res, 500, `simulator bug: ${String(err)}`);
        else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      if ((req.url ?? '').startsWith('/socket-mode')) this.socketMode.handleUpgrade(req, socket);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Closes the server, cutting held and keep-alive connections rather than waiting on them. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.socketMode.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The Web API base URL, e.g. `http://127.0.0.1:PORT/api/`; only after start(). */
  get url(): string {
    if (!this.baseUrl) throw new Error('SlackSimulator not started: call start() first');
    return `${this.baseUrl}/api/`;
  }

  // -------------------------------------------------------------------------------------------
  // Fault injection
  // -------------------------------------------------------------------------------------------

  /**
   * The next `times` calls of `method` fail with `fault` and change nothing: 429 with a
   * Retry-After header and `{ ok: false, error: 'ratelimited' }`; 5xx with an HTML page as a
   * gateway sends; `{ error }` as HTTP 200 `{ ok: false, error }`.
   */
  failNext(method: string, fault: Fault, times = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  /**
   * The next call of `method` takes effect (the channel is created, the message posted), then
   * `reached` resolves and the HTTP answer is withheld until `release()`. This reproduces a client
   * that dies after Slack acted but before it learnt the result. A client that disconnects while
   * held is simply dropped.
   */
  hold(method: string): { reached: Promise<RecordedCall>; release(): void } {
    let resolveReached!: (call: RecordedCall) => void;
    let release!: () => void;
    const reached = new Promise<RecordedCall>((resolve) => (resolveReached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const queue = this.holds.get(method) ?? [];
    queue.push({ reached: resolveReached, released });
    this.holds.set(method, queue);
    return { reached, release };
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // -------------------------------------------------------------------------------------------
  // State: seeding and inspection (copies, so a test cannot change the workspace by accident)
  // -------------------------------------------------------------------------------------------

  addUser(user: { id: string; name: string; real_name?: string; is_bot?: boolean }): void {
    this.users.set(user.id, { id: user.id, name: user.name, real_name: user.real_name ?? user.name, is_bot: user.is_bot ?? false });
  }

  addUsergroup(id: string, users: string[]): void {
    this.usergroups.set(id, [...users]);
  }

  /** A channel made outside Beacon (e.g. where people type `/incident`); the bot is not a member unless listed. */
  addChannel(p: { name: string; members?: string[]; isPrivate?: boolean; creator?: string }): SimChannel {
    const problem = channelNameProblem(p.name);
    if (problem) throw new Error(`addChannel: ${problem}`);
    if (this.channelByName(p.name)) throw new Error(`addChannel: name_taken (${p.name})`);
    const ch = this.makeChannel(p.name, p.isPrivate ?? false, p.creator ?? 'U0000001');
    ch.members.push(...(p.members ?? []));
    return structuredClone(ch);
  }

  channels(): SimChannel[] {
    return [...this.channelsById.values()].map((c) => structuredClone(c));
  }

  channelByName(name: string): SimChannel | undefined {
    const ch = [...this.channelsById.values()].find((c) => c.name === name.replace(/^#/, ''));
    return ch && structuredClone(ch);
  }

  channel(id: string): SimChannel | undefined {
    const ch = this.channelsById.get(id);
    return ch && structuredClone(ch);
  }

  /** The channel's messages, oldest first, as currently edited; Slack's own join/topic/pin notices left out. */
  messages(channelId: string): SimMessage[] {
    return (this.history.get(channelId) ?? []).filter((m) => !m.subtype || !SYSTEM_SUBTYPES.has(m.subtype)).map((m) => structuredClone(m));
  }

  /** Modals opened with views.open (as last updated), oldest first. */
  openedViews(): SimView[] {
    return [...this.views.values()].map((v) => ({ id: v.id, userId: v.userId, view: structuredClone(v.view) }));
  }

  fileContent(fileId: string): Buffer | undefined {
    const content = this.files.get(fileId)?.content;
    return content && Buffer.from(content);
  }

  /**
   * A message written by a person (state only: to tell Beacon, send the matching event with
   * `event()`, as Slack would if Beacon subscribed to it).
   */
  userMessage(p: { userId: string; channelId: string; text: string; threadTs?: string }): SimMessage {
    const ch = this.inspectChannel(p.channelId);
    const msg: SimMessage = { ts: this.nextTs(), user: p.userId, text: p.text };
    if (p.threadTs) this.attachToThread(ch.id, msg, p.threadTs);
    this.messagesOf(ch.id).push(msg);
    return structuredClone(msg);
  }

  /**
   * A person adds a reaction: recorded on the message, then delivered to Beacon as the
   * `reaction_added` event Slack sends.
   */
  async reactionAdded(p: { userId: string; channelId: string; messageTs: string; reaction: string }): Promise<Delivery> {
    const msg = this.findMessage(p.channelId, p.messageTs);
    if (!msg) throw new Error(`reactionAdded: no message ${p.messageTs} in ${p.channelId}`);
    this.addReaction(msg, p.reaction, p.userId);
    return this.event({
      event: {
        type: 'reaction_added',
        user: p.userId,
        reaction: p.reaction,
        item: { type: 'message', channel: p.channelId, ts: p.messageTs },
        item_user: msg.user,
        event_ts: this.nextTs(),
      },
    });
  }

  /**
   * The channel as a person reads it: one paragraph per message, rendered from its blocks
   * (headers, sections, fields, context, `[Button]`s, `[x]`/`[ ]` checkboxes, `📎 file`s).
   */
  transcript(channelId: string): string {
    const ch = this.inspectChannel(channelId);
    const names = this.names();
    const paragraphs: string[] = [];
    let joined: string[] = [];
    const flushJoins = () => {
      if (joined.length) paragraphs.push(`· ${joined.join(', ')} joined`);
      joined = [];
    };
    for (const msg of this.history.get(ch.id) ?? []) {
      // A run of joins (channel creation plus invites) reads better as one line.
      if (msg.subtype === 'channel_join') {
        joined.push(this.displayName(msg.user));
        continue;
      }
      flushJoins();
      paragraphs.push(this.renderMessage(ch, msg, names));
    }
    flushJoins();
    return paragraphs.join('\n\n');
  }

  private renderMessage(ch: SimChannel, msg: SimMessage, names: NameLookup): string {
    const who = this.displayName(msg.user);
    const isReply = msg.thread_ts !== undefined && msg.thread_ts !== msg.ts;
    if (msg.subtype === 'channel_topic' || msg.subtype === 'channel_purpose') {
      const what = msg.subtype === 'channel_topic' ? 'topic' : 'purpose';
      const value = msg[what] ?? '';
      return `· ${who} set the channel ${what}: ${mrkdwnToText(value, names)}`;
    }
    if (msg.subtype === 'pinned_item') return `· 📌 ${who} pinned a message to this channel`;
    if (msg.subtype && SYSTEM_SUBTYPES.has(msg.subtype)) return `· ${mrkdwnToText(msg.text, names)}`;

    const time = new Date(tsSeconds(msg.ts) * 1000).toISOString().slice(11, 19);
    const marks = [msg.edited ? '(edited)' : '', ch.pins.includes(msg.ts) ? '📌' : ''].filter(Boolean).join(' ');
    const lines = [`${isReply ? '↳ ' : ''}[${time}] ${who}${marks ? ` ${marks}` : ''}`];
    const body = msg.blocks?.length ? blocksToLines(msg.blocks, names) : mrkdwnToText(msg.text, names).split('\n');
    lines.push(...body);
    for (const a of msg.attachments ?? []) {
      const parts = Array.isArray(a.blocks)
        ? blocksToLines(a.blocks, names)
        : [a.title, a.text].filter((t): t is string => typeof t === 'string').map((t) => mrkdwnToText(t, names));
      lines.push(...parts.map((l) => `│ ${l}`));
    }
    for (const f of msg.files ?? []) lines.push(`📎 ${f.name}`);
    if (msg.reactions?.length) lines.push(msg.reactions.map((r) => `:${r.name}: ${r.count}`).join('  '));
    return isReply ? lines.map((l) => `    ${l}`).join('\n') : lines.join('\n');
  }

  // -------------------------------------------------------------------------------------------
  // Requests into Beacon, signed as Slack signs them
  // -------------------------------------------------------------------------------------------

  /** Beacon's `POST /slack/events` URL. */
  setRequestUrl(url: string): void {
    this.requestUrl = url;
  }

  /** POSTs `body` to the request URL with Slack's signature headers; override any part to test rejection. */
  async signedPost(
    body: string,
    contentType: string,
    opts: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
  ): Promise<Delivery> {
    if (this.transport === 'socket') return this.socketPost(body, contentType, opts.headers ?? {});
    if (!this.requestUrl) throw new Error('SlackSimulator: call setRequestUrl() before sending requests to Beacon');
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const started = performance.now();
    const res = await fetch(this.requestUrl, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': opts.signature ?? signSlackRequest(this.signingSecret, timestamp, body),
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
  private async socketPost(body: string, contentType: string, headers: Record<string, string>): Promise<Delivery> {
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
    const answer = await this.socketMode.deliver(envelope);
    const text = answer && typeof answer === 'object' && Object.keys(answer).length > 0 ? JSON.stringify(answer) : '';
    return { status: 200, body: text, ms: Math.round(performance.now() - started) };
  }

  /**
   * Someone types `/incident <text>` in a channel. Sent form-encoded with the fields Slack sends,
   * in Slack's order. Whatever Beacon answers in the ack body is shown as Slack shows it:
   * ephemeral to the user, or in the channel for `response_type: 'in_channel'`.
   */
  async slashCommand(p: {
    text: string;
    channelId: string;
    channelName?: string;
    userId: string;
    userName?: string;
    command?: string;
    triggerId?: string;
  }): Promise<Delivery> {
    const responseUrl = this.newResponseUrl({ kind: 'command', channelId: p.channelId, userId: p.userId });
    const form = new URLSearchParams({
      token: this.verificationToken,
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: p.channelId,
      channel_name: p.channelName ?? this.channelsById.get(p.channelId)?.name ?? 'unknown',
      user_id: p.userId,
      user_name: p.userName ?? this.users.get(p.userId)?.name ?? p.userId,
      command: p.command ?? '/incident',
      text: p.text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: p.triggerId ?? this.issueTrigger(p.userId),
    });
    const delivery = await this.signedPost(form.toString(), 'application/x-www-form-urlencoded', {});
    if (delivery.status === 200) this.showCommandAck(p.channelId, p.userId, delivery.body);
    return delivery;
  }

  /** A command's ack body is a message: JSON (text/blocks/response_type) or plain text. */
  private showCommandAck(channelId: string, userId: string, body: string): void {
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
   * Someone clicks a button, picks an option or ticks a checkbox on a message. The payload is a
   * `block_actions` payload built from the message as it is now (blocks included) and sent as
   * `payload=<json>`, form-encoded, as Slack sends interactivity.
   */
  async blockAction(p: {
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
  }): Promise<Delivery> {
    const ch = this.inspectChannel(p.channelId);
    const msg = this.findMessage(ch.id, p.messageTs);
    if (!msg) throw new Error(`blockAction: no message ${p.messageTs} in ${p.channelId}`);
    const found = findElement(msg.blocks, p.actionId, p.blockId);
    const element: Obj = found?.element ?? {};
    const type = p.type ?? (typeof element.type === 'string' ? element.type : 'button');
    const blockId = p.blockId ?? (typeof found?.block.block_id === 'string' ? found.block.block_id : slackGeneratedId());
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
    action.action_ts = this.nextTs();

    const responseUrl = this.newResponseUrl({ kind: 'action', channelId: ch.id, userId: p.userId, messageTs: msg.ts });
    const payload = {
      type: 'block_actions',
      user: this.payloadUser(p.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      container: { type: 'message', message_ts: msg.ts, channel_id: ch.id, is_ephemeral: false },
      trigger_id: p.triggerId ?? this.issueTrigger(p.userId),
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: ch.id, name: ch.name },
      message: this.apiMessage(ch, msg, { withMetadata: false }),
      // Stateful elements (selects, checkboxes) report their value in state.values too.
      state: { values: type === 'button' ? {} : { [blockId]: { [p.actionId]: { type, ...state } } } },
      response_url: responseUrl,
      actions: [action],
    };
    return this.signedPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
  }

  /**
   * Someone submits a modal. The view is the one Beacon opened with this callback_id (latest for
   * that user) when there is one, so its blocks and private_metadata come back as Slack returns them.
   */
  async viewSubmission(p: {
    userId: string;
    callbackId: string;
    values: Record<string, Record<string, unknown>>;
    privateMetadata?: string;
  }): Promise<Delivery> {
    const opened = [...this.views.values()].reverse();
    const stored = opened.find((v) => v.view.callback_id === p.callbackId && v.userId === p.userId) ?? opened.find((v) => v.view.callback_id === p.callbackId);
    const view: Obj = stored
      ? structuredClone(stored.view)
      : this.viewObject(randomId('V', 10), { type: 'modal', callback_id: p.callbackId, title: { type: 'plain_text', text: 'Modal' }, blocks: [] });
    view.state = { values: p.values };
    if (p.privateMetadata !== undefined) view.private_metadata = p.privateMetadata;
    const payload = {
      type: 'view_submission',
      team: { id: this.teamId, domain: this.teamDomain },
      user: this.payloadUser(p.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: this.issueTrigger(p.userId),
      view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.signedPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
  }

  /**
   * An Events API delivery: the `event_callback` envelope, JSON. A retry carries the same event_id
   * with `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, as Slack's retries do.
   */
  async event(p: { event: Record<string, unknown>; eventId?: string; retryNum?: number; retryReason?: string }): Promise<Delivery> {
    const event = { ...p.event };
    if (event.event_ts === undefined) event.event_ts = this.nextTs();
    const envelope = {
      token: this.verificationToken,
      team_id: this.teamId,
      context_team_id: this.teamId,
      context_enterprise_id: null,
      api_app_id: this.appId,
      event,
      type: 'event_callback',
      event_id: p.eventId ?? randomId('Ev', 10),
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.teamId, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(24).toString('base64url')}`,
    };
    const headers: Record<string, string> = {};
    if (p.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(p.retryNum);
      headers['x-slack-retry-reason'] = p.retryReason ?? 'http_timeout';
    }
    return this.signedPost(JSON.stringify(envelope), 'application/json', { headers });
  }

  private payloadUser(userId: string): Obj {
    const name = this.users.get(userId)?.name ?? userId;
    return { id: userId, username: name, name, team_id: this.teamId };
  }

  /** trigger_ids look like Slack's (`<digits>.<digits>.<hex>`) and are good for one views.open. */
  private issueTrigger(userId: string): string {
    const id = `${Date.now()}${randomInt(1000)}.${randomInt(1e9)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { issuedAt: Date.now(), userId, used: false });
    return id;
  }

  private newResponseUrl(target: ResponseTarget): string {
    if (!this.baseUrl) throw new Error('SlackSimulator not started: call start() first');
    const path = `/hooks/${target.kind === 'command' ? 'commands' : 'actions'}/${this.teamId}/${randomInt(1e12)}/${randomBytes(12).toString('hex')}`;
    this.responseTargets.set(path, { ...target, issuedAt: Date.now(), uses: 0 });
    return `${this.baseUrl}${path}`;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP routing
  // -------------------------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    if (url.pathname.startsWith('/api/')) return this.webApi(req, res, url, body);
    if (url.pathname.startsWith('/upload/v1/')) return this.upload(req, res, url, body);
    if (url.pathname.startsWith('/hooks/')) return this.responseUrl(req, res, url, body);
    sendText(res, 404, 'not found');
  }

  /** Arguments from the query string and the body, whichever encoding the body uses. */
  private parseArgs(req: IncomingMessage, url: URL, body: Buffer): { params: Params; json: boolean; problem?: string } {
    const params: Params = Object.fromEntries(url.searchParams);
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    if (body.length === 0) return { params, json: false };
    if (!contentType) return { params, json: false, problem: 'missing_post_type' };
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
      return { params, json: false };
    }
    if (contentType.startsWith('application/json')) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        if (!isObj(parsed)) return { params, json: true, problem: 'invalid_json' };
        return { params: { ...params, ...parsed }, json: true };
      } catch {
        return { params, json: true, problem: 'invalid_json' };
      }
    }
    if (contentType.startsWith('multipart/form-data')) {
      for (const part of parseMultipart(body, contentType)) params[part.name] = part.filename === undefined ? part.data.toString('utf8') : part.data;
      return { params, json: false };
    }
    return { params, json: false, problem: 'invalid_post_type' };
  }

  private async webApi(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    const { params, json, problem } = this.parseArgs(req, url, body);
    const call: RecordedCall = { method, params: this.recordable(params), at: Date.now(), status: 0, ok: false };
    this.calls.push(call);

    const fault = this.faults.get(method)?.shift();
    if (fault) return this.sendFault(res, call, fault);

    let answer: Obj;
    try {
      answer = this.dispatch(method, params, req.headers.authorization, json, problem);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      answer = { ok: false, error: err.code, ...err.extra };
    }
    // Slack warns (but answers) when a JSON body does not declare its charset.
    if (json && !/charset=/i.test(req.headers['content-type'] ?? '')) {
      answer.warning = 'missing_charset';
      const meta = isObj(answer.response_metadata) ? answer.response_metadata : {};
      answer.response_metadata = { ...meta, warnings: ['missing_charset'] };
    }
    call.status = 200;
    call.ok = answer.ok === true;
    if (!call.ok && typeof answer.error === 'string') call.error = answer.error;

    const held = this.holds.get(method)?.shift();
    if (held) {
      held.reached(call);
      const gone = new Promise<boolean>((resolve) => res.once('close', () => resolve(true)));
      const dropped = await Promise.race([held.released.then(() => false), gone]);
      if (dropped || res.destroyed) return;
    }
    sendJson(res, 200, answer);
  }

  private sendFault(res: ServerResponse, call: RecordedCall, fault: Fault): void {
    if ('error' in fault) {
      call.status = 200;
      call.error = fault.error;
      return sendJson(res, 200, { ok: false, error: fault.error });
    }
    call.status = fault.status;
    if (fault.status === 429) {
      call.error = 'ratelimited';
      return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
    }
    // What a load balancer in front of Slack sends: an HTML page, not a Slack answer.
    const reason = GATEWAY_PAGES[fault.status] ?? 'Error';
    sendText(res, fault.status, `<html>\r\n<head><title>${fault.status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${fault.status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`, 'text/html');
  }

  private dispatch(method: string, params: Params, authorization: string | undefined, json: boolean, problem: string | undefined): Obj {
    const handler = this.methods[method];
    if (!handler) throw new ApiError('unknown_method', { req_method: method });
    if (problem) throw new ApiError(problem);
    // Slack reads the token from the Authorization header, or from a form body; never from a JSON body.
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const token = bearer ?? (json ? undefined : str(params, 'token'));
    if (!token) throw new ApiError('not_authed');
    // apps.connections.open takes the app-level token, and only it; every other method the bot token.
    if (method === 'apps.connections.open') {
      if (!this.appToken || token !== this.appToken) throw new ApiError(token === this.botToken ? 'not_allowed_token_type' : 'invalid_auth');
      return handler(params);
    }
    if (token !== this.botToken) throw new ApiError('invalid_auth');
    return handler(params);
  }

  private recordable(params: Params): Params {
    const out: Params = {};
    for (const [key, value] of Object.entries(params)) {
      if (key === 'token') continue;
      if (Buffer.isBuffer(value)) out[key] = `<${value.length} bytes>`;
      else if (JSON_ARGS.includes(key) && typeof value === 'string') {
        const decoded = jsonArg(params, key);
        out[key] = decoded === NOT_JSON ? value : decoded;
      } else out[key] = value;
    }
    return out;
  }

  /** The upload URL from files.getUploadURLExternal: raw bytes or a multipart form, as Slack accepts. */
  private upload(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const fileId = this.uploadTickets.get(url.pathname);
    const file = fileId === undefined ? undefined : this.files.get(fileId);
    if (!file) return sendText(res, 404, 'Not Found');
    if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed');
    const contentType = req.headers['content-type'] ?? '';
    let data = body;
    if (/^multipart\/form-data/i.test(contentType)) {
      const parts = parseMultipart(body, contentType);
      const part = parts.find((x) => x.filename !== undefined) ?? parts[0];
      data = part?.data ?? Buffer.alloc(0);
    }
    file.content = Buffer.from(data);
    sendText(res, 200, `OK - ${data.length}`);
  }

  /**
   * A post to a response_url: recorded, then shown where Slack would show it. Refusals are JSON
   * `{ ok: false, error }` like the successes.
   */
  private responseUrl(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const target = this.responseTargets.get(url.pathname);
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
    this.responses.push({ url: `${this.baseUrl ?? ''}${url.pathname}`, body: parsed });
    const reply: Obj = isObj(parsed) ? parsed : { text };
    if (reply.blocks !== undefined) {
      const blocks = jsonArg(reply, 'blocks');
      const problems = blocks === NOT_JSON ? ['must provide an array [json-pointer:/blocks]'] : blockProblems(blocks, 'message', '/blocks');
      // Like incoming webhooks (same hooks host), invalid blocks are a 400.
      if (problems.length) return sendJson(res, 400, { ok: false, error: 'invalid_blocks', errors: problems, response_metadata: { messages: problems.map((m) => `[ERROR] ${m}`) } });
    }
    this.showReply(target, reply, 'response_url');
    sendJson(res, 200, { ok: true });
  }

  /**
   * Where a reply lands: deleting or replacing the original message (actions only), a new message
   * in the channel for `response_type: 'in_channel'`, otherwise an ephemeral for the user.
   */
  private showReply(target: ResponseTarget, reply: Obj, source: SimEphemeral['source']): void {
    const blocksArg = jsonArg(reply, 'blocks');
    const blocks = Array.isArray(blocksArg) ? normalizeBlocks(blocksArg) : undefined;
    const text = typeof reply.text === 'string' ? reply.text : blocks ? NO_FALLBACK_TEXT : '';
    const original = target.messageTs ? this.findMessage(target.channelId, target.messageTs) : undefined;
    const truthy = (v: unknown) => v === true || v === 'true';
    if (original && truthy(reply.delete_original)) {
      const list = this.messagesOf(target.channelId);
      list.splice(list.indexOf(original), 1);
      return;
    }
    if (original && truthy(reply.replace_original)) {
      original.text = text;
      if (blocks) original.blocks = blocks;
      else delete original.blocks;
      return;
    }
    if (reply.response_type === 'in_channel' && this.channelsById.has(target.channelId)) {
      const msg: SimMessage = { ts: this.nextTs(), user: this.botUserId, bot_id: this.botId, text };
      if (blocks) msg.blocks = blocks;
      this.messagesOf(target.channelId).push(msg);
      return;
    }
    this.ephemerals.push({ channel: target.channelId, user: target.userId, text, ...(blocks ? { blocks } : {}), source, at: Date.now() });
  }

  // -------------------------------------------------------------------------------------------
  // Workspace internals
  // -------------------------------------------------------------------------------------------

  /** Strictly increasing ts across the workspace, from the clock, as Slack's are in practice. */
  private nextTs(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.lastTs = now > this.lastTs ? now : this.lastTs + 1n;
    return tsFromKey(this.lastTs);
  }

  private makeChannel(name: string, isPrivate: boolean, creator: string): SimChannel {
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

  private messagesOf(channelId: string): SimMessage[] {
    let list = this.history.get(channelId);
    if (!list) this.history.set(channelId, (list = []));
    return list;
  }

  private findMessage(channelId: string, ts: string): SimMessage | undefined {
    return this.history.get(channelId)?.find((m) => m.ts === ts);
  }

  private join(ch: SimChannel, userId: string, inviter?: string): void {
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

  private attachToThread(channelId: string, msg: SimMessage, threadTs: string): void {
    msg.thread_ts = threadTs;
    const parent = this.findMessage(channelId, threadTs);
    if (parent) {
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
    }
  }

  private addReaction(msg: SimMessage, name: string, userId: string): boolean {
    msg.reactions ??= [];
    let r = msg.reactions.find((x) => x.name === name);
    if (!r) msg.reactions.push((r = { name, users: [], count: 0 }));
    if (r.users.includes(userId)) return false;
    r.users.push(userId);
    r.count = r.users.length;
    return true;
  }

  private displayName(userId: string): string {
    return this.users.get(userId)?.name ?? userId;
  }

  private names(): NameLookup {
    return {
      userName: (id) => this.users.get(id)?.name,
      channelName: (id) => this.channelsById.get(id)?.name,
    };
  }

  private inspectChannel(id: string): SimChannel {
    const ch = this.channelsById.get(id);
    if (!ch) throw new Error(`SlackSimulator: no channel ${id}`);
    return ch;
  }

  private isMember(ch: SimChannel): boolean {
    return ch.members.includes(this.botUserId);
  }

  /**
   * A channel as the bot can see it: private channels it is not in do not exist for it, so they
   * answer channel_not_found, never not_in_channel.
   */
  private visibleChannel(id: string | undefined): SimChannel {
    const ch = id === undefined ? undefined : this.channelsById.get(id);
    if (!ch || (ch.is_private && !this.isMember(ch))) throw new ApiError('channel_not_found');
    return ch;
  }

  /** For chat methods, which also take a channel name (`#inc-x` or `inc-x`). */
  private postableChannel(idOrName: string | undefined): SimChannel {
    let ch = idOrName === undefined ? undefined : this.channelsById.get(idOrName);
    if (!ch && idOrName) ch = [...this.channelsById.values()].find((c) => c.name === idOrName.replace(/^#/, ''));
    ch = this.visibleChannel(ch?.id);
    if (ch.is_archived) throw new ApiError('is_archived');
    if (!this.isMember(ch)) throw new ApiError('not_in_channel');
    return ch;
  }

  /** The channel object Slack's conversations.* methods return. */
  private channelView(ch: SimChannel, withNumMembers = false): Obj {
    return {
      id: ch.id,
      name: ch.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: ch.is_private,
      created: ch.created,
      is_archived: ch.is_archived,
      is_general: ch.name === 'general',
      unlinked: 0,
      name_normalized: ch.name,
      is_shared: false,
      is_org_shared: false,
      is_ext_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.teamId,
      updated: ch.created * 1000,
      parent_conversation: null,
      creator: ch.creator,
      is_member: this.isMember(ch),
      topic: { ...ch.topic },
      purpose: { ...ch.purpose },
      previous_names: [],
      ...(withNumMembers ? { num_members: ch.members.length } : {}),
    };
  }

  private botProfile(): Obj {
    return { id: this.botId, app_id: this.appId, name: 'Beacon', icons: {}, deleted: false, updated: 1700000000, team_id: this.teamId };
  }

  /** A message as conversations.history returns it; metadata only when asked for. */
  private apiMessage(ch: SimChannel, m: SimMessage, opts: { withMetadata: boolean }): Obj {
    const out: Obj = { type: 'message' };
    if (m.subtype) out.subtype = m.subtype;
    out.text = m.text;
    out.user = m.user;
    out.ts = m.ts;
    out.team = this.teamId;
    if (m.bot_id) {
      out.bot_id = m.bot_id;
      out.app_id = this.appId;
      out.bot_profile = this.botProfile();
    }
    if (m.blocks) out.blocks = structuredClone(m.blocks);
    if (m.attachments) out.attachments = structuredClone(m.attachments);
    if (m.files) {
      out.files = m.files.map((f) => this.fileObject(f.id, ch.id));
      out.upload = true;
      out.display_as_bot = false;
    }
    if (m.edited) out.edited = { ...m.edited };
    if (m.thread_ts) out.thread_ts = m.thread_ts;
    if (m.reply_count !== undefined) out.reply_count = m.reply_count;
    if (m.reactions?.length) out.reactions = structuredClone(m.reactions);
    if (ch.pins.includes(m.ts)) out.pinned_to = [ch.id];
    for (const extra of ['inviter', 'topic', 'purpose'] as const) {
      if (m[extra] !== undefined) out[extra] = m[extra];
    }
    if (opts.withMetadata && m.metadata) out.metadata = structuredClone(m.metadata);
    return out;
  }

  private fileObject(fileId: string, channelId?: string): Obj {
    const f = this.files.get(fileId);
    const name = f?.name ?? fileId;
    const [mimetype, filetype] = fileType(name);
    const created = Math.floor(Date.now() / 1000);
    return {
      id: fileId,
      created,
      timestamp: created,
      name,
      title: f?.title ?? name,
      mimetype,
      filetype,
      pretty_type: filetype,
      user: this.botUserId,
      user_team: this.teamId,
      editable: false,
      size: f?.content?.length ?? f?.length ?? 0,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: channelId !== undefined && !this.channelsById.get(channelId)?.is_private,
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: `https://files.slack.com/files-pri/${this.teamId}-${fileId}/${encodeURIComponent(name)}`,
      url_private_download: `https://files.slack.com/files-pri/${this.teamId}-${fileId}/download/${encodeURIComponent(name)}`,
      permalink: `https://${this.teamDomain}.slack.com/files/${this.botUserId}/${fileId}/${encodeURIComponent(name)}`,
      comments_count: 0,
      channels: channelId ? [channelId] : [],
      groups: [],
      ims: [],
      has_rich_preview: false,
      file_access: 'visible',
    };
  }

  private userObject(u: SimUser): Obj {
    return {
      id: u.id,
      team_id: this.teamId,
      name: u.name,
      deleted: false,
      real_name: u.real_name,
      tz: 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      profile: {
        real_name: u.real_name,
        real_name_normalized: u.real_name,
        display_name: u.name,
        display_name_normalized: u.name,
        team: this.teamId,
        ...(u.is_bot && u.id === this.botUserId ? { bot_id: this.botId, api_app_id: this.appId } : {}),
      },
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.is_bot,
      is_app_user: false,
      updated: 1700000000,
    };
  }

  private viewObject(id: string, view: Obj, previous?: Obj): Obj {
    return {
      id,
      team_id: this.teamId,
      type: view.type,
      title: view.title,
      ...(view.submit !== undefined ? { submit: view.submit } : {}),
      ...(view.close !== undefined ? { close: view.close } : {}),
      blocks: normalizeBlocks(Array.isArray(view.blocks) ? view.blocks : []),
      private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
      callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      clear_on_close: view.clear_on_close === true,
      notify_on_close: view.notify_on_close === true,
      root_view_id: previous?.root_view_id ?? id,
      previous_view_id: null,
      app_id: this.appId,
      external_id: typeof view.external_id === 'string' ? view.external_id : '',
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  /**
   * text / blocks / attachments / metadata of chat.postMessage and friends, checked as Slack
   * checks them. Absent arguments stay undefined so chat.update can tell "not given" from "empty".
   */
  private messageContent(p: Params): MessageContent {
    const out: MessageContent = {};
    const text = str(p, 'text');
    if (text !== undefined) {
      // Slack's limit: longer text is refused rather than cut.
      if (charCount(text) > 40000) throw new ApiError('msg_too_long');
      out.text = text;
    }
    const blocks = jsonArg(p, 'blocks');
    if (blocks !== undefined) {
      if (blocks === NOT_JSON || !Array.isArray(blocks)) throw new ApiError('invalid_blocks_format');
      const problems = blockProblems(blocks, 'message', '/blocks');
      if (problems.length) {
        throw new ApiError('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((m) => `[ERROR] ${m}`) } });
      }
      out.blocks = normalizeBlocks(blocks);
    }
    const attachments = jsonArg(p, 'attachments');
    if (attachments !== undefined) {
      if (attachments === NOT_JSON || !Array.isArray(attachments)) throw new ApiError('invalid_attachments');
      if (attachments.length > 100) throw new ApiError('too_many_attachments');
      out.attachments = attachments.filter(isObj);
    }
    const metadata = jsonArg(p, 'metadata');
    if (metadata !== undefined) {
      if (metadata === NOT_JSON || !isObj(metadata)) throw new ApiError('invalid_metadata_format');
      if (Object.keys(metadata).length === 0) out.metadata = null; // chat.update: `{}` removes metadata
      else if (typeof metadata.event_type !== 'string' || !metadata.event_type || !isObj(metadata.event_payload)) {
        throw new ApiError('invalid_metadata_schema');
      } else out.metadata = { event_type: metadata.event_type, event_payload: structuredClone(metadata.event_payload) };
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Web API methods
  // -------------------------------------------------------------------------------------------

  private buildMethods(): Record<string, Handler> {
    return {
      'apps.connections.open': () => ({ ok: true, url: `${this.baseUrl!.replace(/^http/, 'ws')}/socket-mode/${randomBytes(6).toString('hex')}` }),
      'auth.test': () => ({
        ok: true,
        url: `https://${this.teamDomain}.slack.com/`,
        team: 'Beacon Simulator',
        user: 'beacon',
        team_id: this.teamId,
        user_id: this.botUserId,
        bot_id: this.botId,
        is_enterprise_install: false,
      }),

      'conversations.create': (p) => {
        const name = str(p, 'name') ?? '';
        const problem = channelNameProblem(name);
        if (problem) throw new ApiError(problem);
        // Archived channels keep their names, so they count as taken too.
        if ([...this.channelsById.values()].some((c) => c.name === name)) throw new ApiError('name_taken');
        const ch = this.makeChannel(name, bool(p, 'is_private'), this.botUserId);
        this.join(ch, this.botUserId);
        return { ok: true, channel: this.channelView(ch) };
      },

      'conversations.invite': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        if (ch.is_archived) throw new ApiError('is_archived');
        if (!this.isMember(ch)) throw new ApiError('not_in_channel');
        const ids = [...new Set((str(p, 'users') ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
        if (ids.length === 0) throw new ApiError('no_user');
        const errors: { user: string; ok: false; error: string }[] = [];
        const toInvite: string[] = [];
        for (const id of ids) {
          if (id === this.botUserId) errors.push({ user: id, ok: false, error: 'cant_invite_self' });
          else if (!this.users.has(id)) errors.push({ user: id, ok: false, error: 'user_not_found' });
          else if (ch.members.includes(id)) errors.push({ user: id, ok: false, error: 'already_in_channel' });
          else toInvite.push(id);
        }
        // Invalid users fail the whole call unless `force`; members already in are only an error
        // when nobody is left to invite.
        const fatal = errors.find((e) => e.error !== 'already_in_channel');
        if (fatal && !bool(p, 'force')) throw new ApiError(fatal.error, { errors });
        if (toInvite.length === 0) throw new ApiError(errors[0]?.error ?? 'no_user', { errors });
        for (const id of toInvite) this.join(ch, id, this.botUserId);
        return { ok: true, channel: this.channelView(ch), ...(errors.length ? { errors } : {}) };
      },

      'conversations.list': (p) => {
        const types = (str(p, 'types') || 'public_channel').split(',').map((t) => t.trim());
        const known = ['public_channel', 'private_channel', 'mpim', 'im'];
        if (types.some((t) => !known.includes(t))) throw new ApiError('invalid_types');
        const limit = Math.min(Math.max(int(p, 'limit') ?? 100, 1), 1000);
        const excludeArchived = bool(p, 'exclude_archived');
        const visible = [...this.channelsById.values()].filter((ch) => {
          if (excludeArchived && ch.is_archived) return false;
          return ch.is_private ? types.includes('private_channel') && this.isMember(ch) : types.includes('public_channel');
        });
        const { page, nextCursor } = pageOf(visible, (c) => c.id, 'team', str(p, 'cursor'), limit);
        return { ok: true, channels: page.map((c) => this.channelView(c, true)), response_metadata: { next_cursor: nextCursor } };
      },

      'conversations.info': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        return { ok: true, channel: this.channelView(ch, bool(p, 'include_num_members')) };
      },

      'conversations.history': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        if (!this.isMember(ch)) throw new ApiError('not_in_channel');
        const latestArg = str(p, 'latest');
        const oldestArg = str(p, 'oldest');
        const latest = latestArg ? tsKey(latestArg) : undefined;
        const oldest = oldestArg ? tsKey(oldestArg) : 0n;
        if (latestArg && latest === undefined) throw new ApiError('invalid_ts_latest');
        if (oldest === undefined) throw new ApiError('invalid_ts_oldest');
        const inclusive = bool(p, 'inclusive');
        const limit = Math.min(Math.max(int(p, 'limit') ?? 100, 1), 999);
        let list = (this.history.get(ch.id) ?? [])
          // Replies live in their thread (conversations.replies), not in the channel's history.
          .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
          .filter((m) => {
            const k = tsKey(m.ts) ?? 0n;
            const afterOldest = inclusive ? k >= oldest : k > oldest;
            const beforeLatest = latest === undefined || (inclusive ? k <= latest : k < latest);
            return afterOldest && beforeLatest;
          })
          .reverse(); // newest first
        const cursor = str(p, 'cursor');
        if (cursor) {
          const at = decodeCursor(cursor, 'next_ts');
          const key = at === undefined ? undefined : tsKey(at);
          if (key === undefined) throw new ApiError('invalid_cursor');
          list = list.filter((m) => (tsKey(m.ts) ?? 0n) <= key);
        }
        const page = list.slice(0, limit);
        const next = list[limit];
        const withMetadata = bool(p, 'include_all_metadata');
        return {
          ok: true,
          messages: page.map((m) => this.apiMessage(ch, m, { withMetadata })),
          has_more: next !== undefined,
          pin_count: ch.pins.length,
          channel_actions_ts: null,
          channel_actions_count: 0,
          response_metadata: { next_cursor: next ? encodeCursor(`next_ts:${next.ts}`) : '' },
        };
      },

      'conversations.replies': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        if (!this.isMember(ch)) throw new ApiError('not_in_channel');
        const ts = str(p, 'ts');
        const parent = ts ? this.findMessage(ch.id, ts) : undefined;
        if (!parent) throw new ApiError('thread_not_found');
        const thread = (this.history.get(ch.id) ?? []).filter((m) => m.ts === parent.ts || m.thread_ts === parent.ts);
        const withMetadata = bool(p, 'include_all_metadata');
        return { ok: true, messages: thread.map((m) => this.apiMessage(ch, m, { withMetadata })), has_more: false, response_metadata: { next_cursor: '' } };
      },

      'conversations.setTopic': (p) => this.setChannelText(p, 'topic'),
      'conversations.setPurpose': (p) => this.setChannelText(p, 'purpose'),

      'conversations.members': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const limit = Math.min(Math.max(int(p, 'limit') ?? 100, 1), 1000);
        const { page, nextCursor } = pageOf(ch.members, (u) => u, 'user', str(p, 'cursor'), limit);
        return { ok: true, members: page, response_metadata: { next_cursor: nextCursor } };
      },

      'conversations.join': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        if (ch.is_private) throw new ApiError('method_not_supported_for_channel_type');
        if (ch.is_archived) throw new ApiError('is_archived');
        if (this.isMember(ch)) {
          return { ok: true, channel: this.channelView(ch), warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } };
        }
        this.join(ch, this.botUserId);
        return { ok: true, channel: this.channelView(ch) };
      },

      'conversations.archive': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        if (ch.is_archived) throw new ApiError('already_archived');
        if (!this.isMember(ch)) throw new ApiError('not_in_channel');
        if (ch.name === 'general') throw new ApiError('cant_archive_general');
        ch.is_archived = true;
        this.messagesOf(ch.id).push({ ts: this.nextTs(), user: this.botUserId, subtype: 'channel_archive', text: 'archived the channel' });
        return { ok: true };
      },

      'chat.postMessage': (p) => {
        const ch = this.postableChannel(str(p, 'channel'));
        const content = this.messageContent(p);
        if (!content.text && !content.blocks?.length && !content.attachments?.length) throw new ApiError('no_text');
        const msg: SimMessage = {
          ts: this.nextTs(),
          user: this.botUserId,
          bot_id: this.botId,
          text: content.text || (content.blocks?.length ? NO_FALLBACK_TEXT : ''),
        };
        if (content.blocks) msg.blocks = content.blocks;
        if (content.attachments) msg.attachments = content.attachments;
        if (content.metadata) msg.metadata = content.metadata;
        const threadTs = str(p, 'thread_ts');
        if (threadTs) this.attachToThread(ch.id, msg, threadTs);
        this.messagesOf(ch.id).push(msg);
        return { ok: true, channel: ch.id, ts: msg.ts, message: this.apiMessage(ch, msg, { withMetadata: true }) };
      },

      'chat.update': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const ts = str(p, 'ts');
        const msg = ts ? this.findMessage(ch.id, ts) : undefined;
        if (!msg) throw new ApiError('message_not_found');
        if (msg.user !== this.botUserId || msg.subtype) throw new ApiError('cant_update_message');
        if (ch.is_archived) throw new ApiError('is_inactive');
        const content = this.messageContent(p);
        if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) throw new ApiError('no_text');
        // The message is replaced: blocks not given are gone. Attachments and metadata not given
        // are kept, as Slack documents; `metadata: {}` removes the metadata.
        msg.text = content.text || (content.blocks?.length ? NO_FALLBACK_TEXT : '');
        if (content.blocks?.length) msg.blocks = content.blocks;
        else delete msg.blocks;
        if (content.attachments) msg.attachments = content.attachments;
        if (content.metadata === null) delete msg.metadata;
        else if (content.metadata) msg.metadata = content.metadata;
        msg.edited = { user: this.botUserId, ts: this.nextTs() };
        const message = this.apiMessage(ch, msg, { withMetadata: true });
        return { ok: true, channel: ch.id, ts: msg.ts, text: msg.text, message };
      },

      'chat.delete': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const ts = str(p, 'ts');
        const msg = ts ? this.findMessage(ch.id, ts) : undefined;
        if (!msg) throw new ApiError('message_not_found');
        if (msg.user !== this.botUserId) throw new ApiError('cant_delete_message');
        const list = this.messagesOf(ch.id);
        list.splice(list.indexOf(msg), 1);
        ch.pins = ch.pins.filter((t) => t !== msg.ts);
        return { ok: true, channel: ch.id, ts: msg.ts };
      },

      'chat.postEphemeral': (p) => {
        const ch = this.postableChannel(str(p, 'channel'));
        const user = str(p, 'user');
        if (!user || !ch.members.includes(user)) throw new ApiError('user_not_in_channel');
        const content = this.messageContent(p);
        if (!content.text && !content.blocks?.length && !content.attachments?.length) throw new ApiError('no_text');
        const text = content.text || (content.blocks?.length ? NO_FALLBACK_TEXT : '');
        this.ephemerals.push({ channel: ch.id, user, text, ...(content.blocks ? { blocks: content.blocks } : {}), source: 'chat.postEphemeral', at: Date.now() });
        return { ok: true, message_ts: this.nextTs() };
      },

      'chat.getPermalink': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const ts = str(p, 'message_ts');
        const msg = ts ? this.findMessage(ch.id, ts) : undefined;
        if (!msg) throw new ApiError('message_not_found');
        const base = `https://${this.teamDomain}.slack.com/archives/${ch.id}/p${msg.ts.replace('.', '')}`;
        const inThread = msg.thread_ts !== undefined && msg.thread_ts !== msg.ts;
        return { ok: true, channel: ch.id, permalink: inThread ? `${base}?thread_ts=${msg.thread_ts}&cid=${ch.id}` : base };
      },

      'pins.add': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        if (!this.isMember(ch)) throw new ApiError('not_in_channel');
        const ts = str(p, 'timestamp');
        if (!ts) throw new ApiError('no_item_specified');
        if (tsKey(ts) === undefined) throw new ApiError('bad_timestamp');
        const msg = this.findMessage(ch.id, ts);
        if (!msg) throw new ApiError('message_not_found');
        if (ch.pins.includes(msg.ts)) throw new ApiError('already_pinned');
        ch.pins.push(msg.ts);
        this.pinMeta.set(`${ch.id}:${msg.ts}`, { created: Math.floor(Date.now() / 1000), by: this.botUserId });
        // Pinning writes a notice into the channel, as in the Slack client.
        this.messagesOf(ch.id).push({ ts: this.nextTs(), user: this.botUserId, subtype: 'pinned_item', text: `<@${this.botUserId}> pinned a message to this channel.` });
        return { ok: true };
      },

      'pins.remove': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const ts = str(p, 'timestamp');
        if (!ts) throw new ApiError('no_item_specified');
        if (!ch.pins.includes(ts)) throw new ApiError('no_pin');
        ch.pins = ch.pins.filter((t) => t !== ts);
        return { ok: true };
      },

      'pins.list': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const items = ch.pins
          .map((ts) => ({ ts, msg: this.findMessage(ch.id, ts), meta: this.pinMeta.get(`${ch.id}:${ts}`) }))
          .filter((x): x is { ts: string; msg: SimMessage; meta: { created: number; by: string } | undefined } => x.msg !== undefined)
          .reverse()
          .map(({ msg, meta }) => ({
            type: 'message',
            created: meta?.created ?? 0,
            created_by: meta?.by ?? this.botUserId,
            channel: ch.id,
            message: { ...this.apiMessage(ch, msg, { withMetadata: false }), permalink: `https://${this.teamDomain}.slack.com/archives/${ch.id}/p${msg.ts.replace('.', '')}` },
          }));
        return { ok: true, items };
      },

      'reactions.add': (p) => {
        const ch = this.visibleChannel(str(p, 'channel'));
        const ts = str(p, 'timestamp');
        if (!ts) throw new ApiError('no_item_specified');
        const name = (str(p, 'name') ?? '').replace(/^:|:$/g, '');
        if (!name) throw new ApiError('invalid_name');
        const msg = this.findMessage(ch.id, ts);
        if (!msg) throw new ApiError('message_not_found');
        if (!this.addReaction(msg, name, this.botUserId)) throw new ApiError('already_reacted');
        return { ok: true };
      },

      'users.info': (p) => {
        const user = this.users.get(str(p, 'user') ?? '');
        if (!user) throw new ApiError('user_not_found');
        return { ok: true, user: this.userObject(user) };
      },

      'users.list': (p) => {
        const limit = Math.min(Math.max(int(p, 'limit') ?? 200, 1), 1000);
        const { page, nextCursor } = pageOf([...this.users.values()], (u) => u.id, 'user', str(p, 'cursor'), limit);
        return { ok: true, members: page.map((u) => this.userObject(u)), cache_ts: Math.floor(Date.now() / 1000), response_metadata: { next_cursor: nextCursor } };
      },

      'usergroups.users.list': (p) => {
        const group = this.usergroups.get(str(p, 'usergroup') ?? '');
        if (!group) throw new ApiError('no_such_subteam');
        return { ok: true, users: [...group] };
      },

      'views.open': (p) => {
        const view = this.checkedView(p);
        const trigger = this.exchangeTrigger(str(p, 'trigger_id'));
        const id = randomId('V', 10);
        const stored: StoredView = { id, userId: trigger.userId, view: this.viewObject(id, view) };
        this.views.set(id, stored);
        return { ok: true, view: structuredClone(stored.view) };
      },

      'views.update': (p) => {
        const view = this.checkedView(p);
        const viewId = str(p, 'view_id');
        const externalId = str(p, 'external_id');
        if (!viewId && !externalId) throw invalidArguments(['missing required field: view_id']);
        const stored = viewId ? this.views.get(viewId) : [...this.views.values()].find((v) => v.view.external_id === externalId);
        if (!stored) throw new ApiError('not_found');
        const hash = str(p, 'hash');
        if (hash && hash !== stored.view.hash) throw new ApiError('hash_conflict');
        stored.view = this.viewObject(stored.id, view, stored.view);
        return { ok: true, view: structuredClone(stored.view) };
      },

      'files.getUploadURLExternal': (p) => {
        const filename = str(p, 'filename');
        const length = int(p, 'length');
        const missing = [filename ? undefined : 'filename', length === undefined ? 'length' : undefined].filter((x): x is string => !!x);
        if (missing.length) throw invalidArguments(missing.map((m) => `missing required field: ${m}`));
        if (!length || length < 1) throw new ApiError('missing_argument');
        const fileId = randomId('F', 10);
        const ticket = `/upload/v1/${randomBytes(24).toString('base64url')}`;
        this.files.set(fileId, { id: fileId, name: filename ?? fileId, title: filename ?? fileId, length, completed: false });
        this.uploadTickets.set(ticket, fileId);
        return { ok: true, upload_url: `${this.baseUrl ?? ''}${ticket}`, file_id: fileId };
      },

      'files.completeUploadExternal': (p) => {
        const filesArg = jsonArg(p, 'files');
        if (filesArg === undefined) throw invalidArguments(['missing required field: files']);
        if (filesArg === NOT_JSON || !Array.isArray(filesArg) || filesArg.length === 0) throw invalidArguments(['must provide an array [json-pointer:/files]']);
        const entries = filesArg.filter(isObj);
        // An id never issued, or one whose bytes never reached the upload URL, has nothing to complete.
        const files = entries.map((e) => this.files.get(String(e.id)));
        if (files.some((f) => !f || f.content === undefined || f.completed)) throw new ApiError('file_not_found');
        const channelId = str(p, 'channel_id') ?? str(p, 'channels');
        const ch = channelId ? this.channelsById.get(channelId) : undefined;
        if (channelId) {
          if (!ch || (ch.is_private && !this.isMember(ch))) throw new ApiError('invalid_channel');
          if (!this.isMember(ch)) throw new ApiError('not_in_channel');
          if (ch.is_archived) throw new ApiError('is_archived');
        }
        entries.forEach((e, i) => {
          const f = files[i];
          if (!f) return;
          f.completed = true;
          if (typeof e.title === 'string' && e.title) f.title = e.title;
        });
        const done = files.filter((f): f is SimFile => f !== undefined);
        if (ch) {
          const content = this.messageContent({ text: p.initial_comment, blocks: p.blocks });
          const msg: SimMessage = {
            ts: this.nextTs(),
            user: this.botUserId,
            bot_id: this.botId,
            text: content.text ?? '',
            files: done.map((f) => ({ id: f.id, name: f.name, title: f.title, mimetype: fileType(f.name)[0], size: f.content?.length ?? 0 })),
          };
          if (content.blocks) msg.blocks = content.blocks;
          const threadTs = str(p, 'thread_ts');
          if (threadTs) this.attachToThread(ch.id, msg, threadTs);
          this.messagesOf(ch.id).push(msg);
        }
        return { ok: true, files: done.map((f) => this.fileObject(f.id, ch?.id)) };
      },
    };
  }

  private setChannelText(p: Params, which: 'topic' | 'purpose'): Obj {
    const ch = this.visibleChannel(str(p, 'channel'));
    if (ch.is_archived) throw new ApiError('is_archived');
    if (!this.isMember(ch)) throw new ApiError('not_in_channel');
    const value = str(p, which) ?? '';
    if (charCount(value) > 250) throw new ApiError('too_long');
    ch[which] = { value, creator: this.botUserId, last_set: Math.floor(Date.now() / 1000) };
    const notice = which === 'topic' ? `set the channel topic: ${value}` : `set the channel purpose: ${value}`;
    this.messagesOf(ch.id).push({ ts: this.nextTs(), user: this.botUserId, subtype: `channel_${which}`, text: notice, [which]: value });
    return { ok: true, channel: this.channelView(ch) };
  }

  /** The `view` argument of views.open/update, parsed and validated; problems answer invalid_arguments. */
  private checkedView(p: Params): Obj {
    const view = jsonArg(p, 'view');
    if (view === undefined) throw invalidArguments(['missing required field: view']);
    if (view === NOT_JSON || !isObj(view)) throw invalidArguments(['must provide an object [json-pointer:/view]']);
    const problems = viewProblems(view);
    if (problems.length) throw invalidArguments(problems);
    return view;
  }

  /** A trigger_id is good once, for 3 seconds, and only if Slack (this simulator) issued it. */
  private exchangeTrigger(triggerId: string | undefined): Trigger {
    const trigger = triggerId ? this.triggers.get(triggerId) : undefined;
    if (!trigger) throw new ApiError('invalid_trigger_id');
    if (trigger.used) throw new ApiError('exchanged_trigger_id');
    if (Date.now() - trigger.issuedAt > this.triggerTtlMs) throw new ApiError('expired_trigger_id');
    trigger.used = true;
    return trigger;
  }
}

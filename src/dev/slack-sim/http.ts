/**
 * The simulator's HTTP layer: reading bodies (form, JSON, multipart) the way Slack reads them,
 * answering, and the Web API endpoint itself, which records every call, serves injected faults and
 * held calls, checks the token, and hands the arguments to the method's handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, isObj, JSON_ARGS, jsonArg, NOT_JSON, str, type Obj, type Params } from './args.js';
import { SELF_AUTHENTICATED } from './methods/openid.js';
import { checkScopes } from './scopes.js';
import type { RateTiers } from './tiers.js';
import type { Fault, RecordedCall } from './types.js';
import type { Handler, Workspace } from './workspace.js';
import { sendJson, sendText } from '../../http/respond.js';

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface MultipartPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** Enough of RFC 7578 for what fetch's FormData and curl send: named parts, optional filenames. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
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

// The simulator answers with the same two helpers as Beacon's own HTTP server.
export { sendJson, sendText };

/**
 * Listens on 127.0.0.1; resolves with the server and its origin (`http://127.0.0.1:PORT`).
 * A handler that throws is a bug in the simulator, answered loudly rather than like Slack.
 */
export async function listen(
  port: number,
  onRequest: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onUpgrade: (req: IncomingMessage, socket: Duplex) => void,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      // A bug in the simulator must be loud, not look like a Slack answer.
      console.error('SlackSimulator bug:', err);
      if (!res.headersSent) sendText(res, 500, `simulator bug: ${String(err)}`);
      else res.destroy();
    });
  });
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes the server, cutting held and keep-alive connections rather than waiting on them. */
export async function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** Arguments from the query string and the body, whichever encoding the body uses. */
export function parseArgs(req: IncomingMessage, url: URL, body: Buffer): { params: Params; json: boolean; problem?: string } {
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

const GATEWAY_PAGES: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

interface HoldEntry {
  reached: (call: RecordedCall) => void;
  released: Promise<void>;
}

/** The tokens Slack would accept: the bot token, and the app-level one for Socket Mode. */
export interface Tokens {
  bot: string;
  app?: string;
  /** The bot token's OAuth scopes; when given, calls are checked against them as Slack does. */
  scopes?: readonly string[];
}

/** `/api/<method>`: Slack's Web API over the workspace. */
export class WebApi {
  /** Every Web API call, in arrival order, faulted ones included. */
  calls: RecordedCall[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly holds = new Map<string, HoldEntry[]>();
  /** Added to every answer: a realistic round trip to Slack (the bench sets 100 ms). */
  latencyMs = 0;

  constructor(
    private readonly ws: Workspace,
    private readonly methods: Readonly<Record<string, Handler>>,
    private readonly tokens: Tokens,
    /** `tiers` mode: Slack's rate limits per method (and per channel for chat.postMessage). */
    public tiers?: RateTiers,
  ) {}

  /** Queues `fault` for the next `times` calls of `method`. */
  failNext(method: string, fault: Fault, times: number): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  /** Withholds the answer to the next call of `method` until `release()`. */
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

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    const { params, json, problem } = parseArgs(req, url, body);
    const call: RecordedCall = { method, params: recordable(params), at: Date.now(), status: 0, ok: false };
    this.calls.push(call);

    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.get(method)?.shift();
    if (fault) return sendFault(res, call, fault);
    const retryAfter = this.methods[method] ? this.tiers?.admit(method, params) : undefined;
    if (retryAfter !== undefined) return sendFault(res, call, { status: 429, retryAfter });

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

  private dispatch(method: string, params: Params, authorization: string | undefined, json: boolean, problem: string | undefined): Obj {
    const handler = this.methods[method];
    if (!handler) throw new ApiError('unknown_method', { req_method: method });
    if (problem) throw new ApiError(problem);
    // Slack reads the token from the Authorization header, or from a form body; never from a JSON body.
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const token = bearer ?? (json ? undefined : str(params, 'token'));
    if (SELF_AUTHENTICATED.has(method)) return handler({ ...params, ...(token ? { token } : {}) }, this.ws);
    if (!token) throw new ApiError('not_authed');
    // apps.connections.open takes the app-level token, and only it; every other method the bot token.
    if (method === 'apps.connections.open') {
      if (!this.tokens.app || token !== this.tokens.app) throw new ApiError(token === this.tokens.bot ? 'not_allowed_token_type' : 'invalid_auth');
      return handler(params, this.ws);
    }
    if (token !== this.tokens.bot) throw new ApiError('invalid_auth');
    if (this.tokens.scopes) checkScopes(method, params, this.ws, new Set(this.tokens.scopes));
    return handler(params, this.ws);
  }
}

function sendFault(res: ServerResponse, call: RecordedCall, fault: Fault): void {
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

/** The arguments as a test wants to read them: JSON ones decoded, bytes summarised, no token. */
function recordable(params: Params): Params {
  const out: Params = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'token' || key === 'client_secret') continue;
    if (Buffer.isBuffer(value)) out[key] = `<${value.length} bytes>`;
    else if (JSON_ARGS.includes(key) && typeof value === 'string') {
      const decoded = jsonArg(params, key);
      out[key] = decoded === NOT_JSON ? value : decoded;
    } else out[key] = value;
  }
  return out;
}

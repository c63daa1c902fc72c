/**
 * Reading Web API arguments as Slack reads them (form bodies carry everything as text, JSON bodies
 * carry values), Slack's error answers, and its opaque paging cursors.
 */

export type Obj = Record<string, unknown>;
export type Params = Record<string, unknown>;

/** A Slack error answer: `{ ok: false, error: code, ...extra }` with HTTP 200, as Slack sends them. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Obj = {},
  ) {
    super(code);
  }
}

/** Slack's generic answer to a malformed call, with the reasons in `response_metadata.messages`. */
export function invalidArguments(messages: string[]): ApiError {
  return new ApiError('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string argument; numbers and booleans count (form bodies carry everything as text). */
export function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function bool(p: Params, key: string): boolean {
  const v = p[key];
  return v === true || v === 1 || v === 'true' || v === '1';
}

export function int(p: Params, key: string): number | undefined {
  const s = str(p, key);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** The `limit` argument: `fallback` when absent, clamped to 1..max. */
export function limitArg(p: Params, fallback: number, max: number): number {
  return Math.min(Math.max(int(p, 'limit') ?? fallback, 1), max);
}

export const NOT_JSON = Symbol('not json');

/**
 * Arguments such as `blocks` arrive as JSON strings from form bodies (that is how WebClient sends
 * them) and as values from JSON bodies. Undefined when absent, NOT_JSON when unparseable.
 */
export function jsonArg(p: Params, key: string): unknown {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** The arguments that carry JSON; recorded calls show them decoded. */
export const JSON_ARGS = ['blocks', 'attachments', 'metadata', 'view', 'files'];

/** Code point count: Slack limits are in characters, not UTF-16 units. */
export function charCount(s: string): number {
  return [...s].length;
}

export function encodeCursor(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

export function decodeCursor(cursor: string, prefix: string): string | undefined {
  const s = Buffer.from(cursor, 'base64').toString('utf8');
  return s.startsWith(`${prefix}:`) ? s.slice(prefix.length + 1) : undefined;
}

/** One page of `items` after the item a cursor names (Slack's cursors are opaque base64 strings). */
export function pageOf<T>(items: T[], key: (t: T) => string, prefix: string, cursor: string | undefined, limit: number) {
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

import { z } from 'zod';
import type { ChangeEvent } from '../domain.js';
import { describeIssues, isoTime, oneLine, shortHash, toIso } from './common.js';

/**
 * HashiCorp Vault audit log entries, as the file and socket audit devices write them (one JSON
 * object per line, `type` `request` or `response`, `request.id` shared by both; see
 * developer.hashicorp.com/vault/docs/audit and /docs/audit/schema), forwarded by a log shipper.
 *
 * A successful write (`create`, `update`, `patch`, `delete` response without `error`) on a path
 * under a configured prefix becomes a `credentials` change of that prefix's service, its summary
 * naming who wrote it ("Vault: secret/data/payment-gateway updated by approle"). Everything
 * else is ignored. What is kept of an entry is an allow-list: the path, the operation, the
 * display name, the time, the mount type (only to read KV v2 paths) and the request id (only as
 * the change id's seed). Nothing under `data`, no HMACed value, no `error` text (it can quote the
 * request) is ever read into the result: zod drops every key the schema does not name.
 */

export interface VaultPrefix {
  prefix: string;
  service: string;
}

/** More entries than this in one body is not a shipper's batch: send smaller batches. */
export const VAULT_MAX_ENTRIES = 5000;

/** Why an entry well-formed as a Vault audit entry became no change. */
export type VaultIgnored = 'request entry' | 'not a response' | 'failed request' | 'not a write' | 'unmapped path' | 'repeated in this batch';

export type VaultOutcome = { kind: 'change'; change: ChangeEvent } | { kind: 'ignored'; reason: VaultIgnored } | { kind: 'rejected'; message: string };

/** Where a rejected entry was: its line (NDJSON, 1-based) or its index (JSON array, 0-based). */
export interface VaultRejection {
  line?: number;
  index?: number;
  message: string;
}

export interface VaultBatch {
  /** Entries in the body (blank lines are not entries). */
  entries: number;
  changes: ChangeEvent[];
  ignored: Partial<Record<VaultIgnored, number>>;
  rejected: VaultRejection[];
}

const WRITES = new Set(['create', 'update', 'patch', 'delete']);
const KV2_VERBS = new Set(['data', 'metadata', 'delete', 'undelete', 'destroy']);
const HMACED = /^hmac-[a-z0-9]+:/i;

const name = (max: number) => z.string().max(max).nullish();

/** Only the fields Beacon reads; zod drops every other key (data, tokens, headers, error text). */
export const vaultEntrySchema = z.object({
  type: z.string().max(64),
  time: isoTime,
  auth: z.object({ display_name: name(500) }).nullish(),
  request: z.object({
    id: z.string().trim().min(1).max(200),
    operation: z.string().max(64),
    path: z.string().max(4096),
    mount_type: name(200),
    mount_point: name(4096),
    namespace: z.object({ path: name(4096) }).nullish(),
  }),
  // Only whether there is one: the text may quote the request's data.
  error: z.unknown().optional(),
});

export type VaultEntry = z.infer<typeof vaultEntrySchema>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A shipper that sends its own record instead of the raw line wraps the line in a string field:
 * Vector's `json` codec as `message`, Fluent Bit's tail input without a parser as `log`.
 */
function unwrap(v: unknown): unknown {
  if (!isObject(v) || 'type' in v || 'request' in v) return v;
  for (const key of ['message', 'log']) {
    const s = Object.hasOwn(v, key) ? v[key] : undefined;
    if (typeof s !== 'string' || !s.trimStart().startsWith('{')) continue;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

/** One line of text, no control or bidi-override characters, at most `max` characters. */
function shown(s: string, max: number): string {
  return oneLine(s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' '), max);
}

/** The path as Vault's root namespace sees it: `<namespace path>/<request path>`. */
function fullPath(req: VaultEntry['request']): { path: string; mount?: string } {
  const ns = (req.namespace?.path ?? '').replace(/^\/+/, '');
  const base = ns && !ns.endsWith('/') ? `${ns}/` : ns;
  const path = base + req.path.replace(/^\/+/, '');
  const mount = req.mount_point ? base + req.mount_point.replace(/^\/+/, '') : undefined;
  return { path, ...(mount ? { mount } : {}) };
}

/**
 * KV v2 addresses one secret through five path families (`<mount>/data/x`, `metadata/x`,
 * `delete/x`, `undelete/x`, `destroy/x`): all of them are read as the secret's `data` path, so a
 * prefix `secret/data/x` also covers its metadata, soft deletes and destroys. The mount ends
 * where `mount_point` says; without it, at the first KV v2 word after the first segment. Only for
 * `kv` mounts (or when the entry does not say).
 */
function kvV2(path: string, mount: string | undefined, mountType: string | null | undefined): { verb: string; dataPath: string } | undefined {
  if (mountType && mountType !== 'kv') return undefined;
  const segs = path.split('/');
  let i: number;
  if (mount) {
    const m = mount.replace(/\/+$/, '');
    if (!path.startsWith(`${m}/`)) return undefined;
    i = m.split('/').length;
  } else {
    i = segs.findIndex((s, k) => k > 0 && KV2_VERBS.has(s));
  }
  const verb = segs[i];
  if (i <= 0 || verb === undefined || !KV2_VERBS.has(verb) || i === segs.length - 1) return undefined;
  return { verb, dataPath: [...segs.slice(0, i), 'data', ...segs.slice(i + 1)].join('/') };
}

const ROTATE = /^rotate(-[a-z]+)*$/;

/** "updated", "versions destroyed", "rotated"… for the summary. */
function phrase(op: string, kv: { verb: string } | undefined, path: string): string {
  if (kv?.verb === 'metadata') return op === 'delete' ? 'deleted with all its versions' : 'metadata updated';
  if (kv?.verb === 'delete') return 'versions deleted';
  if (kv?.verb === 'undelete') return 'versions restored';
  if (kv?.verb === 'destroy') return 'versions destroyed';
  if (!kv && op !== 'delete' && path.split('/').some((s) => ROTATE.test(s))) return 'rotated';
  return op === 'create' ? 'created' : op === 'delete' ? 'deleted' : 'updated';
}

/** The service of the longest configured prefix that `paths` start with. */
export function vaultServiceFor(paths: string[], prefixes: readonly VaultPrefix[]): string | undefined {
  let best: VaultPrefix | undefined;
  for (const p of prefixes) {
    if ((!best || p.prefix.length > best.prefix.length) && paths.some((x) => x.startsWith(p.prefix))) best = p;
  }
  return best?.service;
}

function author(entry: VaultEntry): string | undefined {
  const raw = entry.auth?.display_name;
  if (!raw || HMACED.test(raw.trim())) return undefined;
  const who = shown(raw, 200);
  return who || undefined;
}

/** One parsed value of the body: a change, an ignored entry, or a rejected one. */
export function vaultOutcome(value: unknown, prefixes: readonly VaultPrefix[], now: Date): VaultOutcome {
  const v = unwrap(value);
  if (!isObject(v)) return { kind: 'rejected', message: 'not a JSON object' };
  const parsed = vaultEntrySchema.safeParse(v);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error).slice(0, 3);
    return { kind: 'rejected', message: `not a Vault audit entry: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}` };
  }
  const e = parsed.data;
  if (e.type !== 'response') return { kind: 'ignored', reason: e.type === 'request' ? 'request entry' : 'not a response' };
  if (e.error !== undefined && e.error !== null && e.error !== '') return { kind: 'ignored', reason: 'failed request' };
  const op = e.request.operation.toLowerCase();
  if (!WRITES.has(op)) return { kind: 'ignored', reason: 'not a write' };
  const { path, mount } = fullPath(e.request);
  const kv = kvV2(path, mount, e.request.mount_type);
  const secret = kv?.dataPath ?? path;
  const service = vaultServiceFor(kv ? [secret, path] : [path], prefixes);
  if (!service) return { kind: 'ignored', reason: 'unmapped path' };
  const who = author(e);
  // The display name is said once, in the summary ("… updated by approle"): every renderer of a
  // change adds its `author` ("· by …", "(…)"), so an author as well would show it twice.
  const summary = `Vault: ${shown(secret, 300)} ${phrase(op, kv, path)}${who ? ` by ${who}` : ''}`;
  return {
    kind: 'change',
    change: {
      id: shortHash('vault', e.request.id),
      service,
      kind: 'credentials',
      summary: oneLine(summary, 500),
      at: toIso(e.time, now),
    },
  };
}

type Item = { value: unknown; line?: number; index?: number } | { error: string; line: number };

/** The body's entries: a JSON array, one JSON object, or one JSON value per line (NDJSON). */
export function splitVaultBody(text: string): { ok: true; items: Item[] } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, items: [] };
  let whole: unknown;
  let isJson = true;
  try {
    whole = JSON.parse(text);
  } catch {
    isJson = false;
  }
  if (isJson) {
    if (!Array.isArray(whole)) return { ok: true, items: [{ value: whole }] };
    if (whole.length > VAULT_MAX_ENTRIES) return { ok: false, error: tooMany(String(whole.length)) };
    return { ok: true, items: whole.map((value, index) => ({ value, index })) };
  }
  const items: Item[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, '');
    if (l.trim() === '') continue;
    if (items.length === VAULT_MAX_ENTRIES) return { ok: false, error: tooMany(`more than ${VAULT_MAX_ENTRIES}`) };
    try {
      items.push({ value: JSON.parse(l) as unknown, line: i + 1 });
    } catch {
      items.push({ error: 'not valid JSON', line: i + 1 });
    }
  }
  return { ok: true, items };
}

const tooMany = (how: string) => `${how} entries in one body; at most ${VAULT_MAX_ENTRIES}: send smaller batches`;

/**
 * Every entry of a body, each on its own: a broken line is rejected and named, the good ones
 * around it are still taken (a log pipeline cannot fix a line by sending it again). A request id
 * seen twice in one body (two audit devices shipped together) is one change.
 */
export function parseVaultBatch(text: string, prefixes: readonly VaultPrefix[], now: Date): { ok: true; batch: VaultBatch } | { ok: false; error: string } {
  const split = splitVaultBody(text);
  if (!split.ok) return split;
  const batch: VaultBatch = { entries: split.items.length, changes: [], ignored: {}, rejected: [] };
  const seen = new Set<string>();
  for (const item of split.items) {
    const where = { ...(item.line !== undefined ? { line: item.line } : {}), ...('index' in item && item.index !== undefined ? { index: item.index } : {}) };
    const out: VaultOutcome = 'error' in item ? { kind: 'rejected', message: item.error } : vaultOutcome(item.value, prefixes, now);
    if (out.kind === 'rejected') batch.rejected.push({ ...where, message: out.message });
    else if (out.kind === 'ignored') batch.ignored[out.reason] = (batch.ignored[out.reason] ?? 0) + 1;
    else if (seen.has(out.change.id)) batch.ignored['repeated in this batch'] = (batch.ignored['repeated in this batch'] ?? 0) + 1;
    else {
      seen.add(out.change.id);
      batch.changes.push(out.change);
    }
  }
  return { ok: true, batch };
}

/** How many entries of a batch were ignored, whatever the reason. */
export function ignoredCount(batch: VaultBatch): number {
  return Object.values(batch.ignored).reduce((a, b) => a + (b ?? 0), 0);
}

/**
 * Runs a runbook's automated checks: `recent_changes` (what Beacon was told changed before the
 * incident) and `http` (one read-only request to an integration, credentials from the
 * environment). No Slack, no Redis of its own: the change store and `fetch` come in through the
 * context, so tests and the worker can pass their own.
 *
 * `runCheck` never throws: whatever goes wrong becomes a result with status `error`. Secret
 * header values never appear in a result: nothing here logs, and every string of a result is
 * scrubbed of them before it is returned (a server echoing a token in a redirect, a fetch error
 * quoting a header value).
 */
import type { ChangeEvent, ChangeKind } from '../domain.js';
import type { HttpCheck, RecentChangesCheck, Runbook, RunbookCheck } from './format.js';

export type CheckStatus = 'pass' | 'fail' | 'error';

/**
 * What one check found. `pass`: nothing to worry about; `fail`: look here (credentials
 * rejected, an integration not answering, a credentials or config change before the start);
 * `error`: the check itself could not run (a variable not set, no service to look at).
 * Strings are plain text, not Slack markup: escape them before they reach Slack.
 */
export interface CheckResult {
  status: CheckStatus;
  /** One line. */
  summary: string;
  /** Further lines, most important first. */
  details?: string[];
  latencyMs?: number;
  httpStatus?: number;
}

/** Where a check reads what it needs. */
export interface CheckContext {
  /** The incident's service; a `recent_changes` check may name another one. */
  service?: string;
  incidentStart: Date;
  now: Date;
  /** Where `http` header values come from (the Beacon process's environment). */
  env: NodeJS.ProcessEnv;
  /** `ChangeStore` fits: changes of a service between two times, newest first. */
  changes: { between(service: string, from: Date, to: Date): Promise<ChangeEvent[]> };
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** Change kinds that are called out first: the ones that bit us (wrong credentials after an update). */
export const RISKY_CHANGE_KINDS: readonly ChangeKind[] = ['credentials', 'config'];
export const isRiskyChange = (c: Pick<ChangeEvent, 'kind'>): boolean => RISKY_CHANGE_KINDS.includes(c.kind);

const KIND_LABEL: Record<ChangeKind, string> = {
  credentials: 'credentials change',
  config: 'config change',
  deploy: 'deploy',
  feature_flag: 'feature flag change',
  infra: 'infra change',
};
export const changeKindLabel = (kind: ChangeKind): string => KIND_LABEL[kind] ?? `${String(kind)} change`;

/** Most recent summaries and details get this long at most. */
const MAX_SUMMARY = 300;
const MAX_DETAILS = 20;

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by the Slack renderers)

/**
 * Credentials and config changes first, then the rest; newest first within each group.
 * Changes without a parsable time keep their relative order at the end of their group.
 */
export function orderChanges(changes: readonly ChangeEvent[]): ChangeEvent[] {
  const time = (c: ChangeEvent) => {
    const t = Date.parse(c.at);
    return Number.isNaN(t) ? -Infinity : t;
  };
  return changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(isRiskyChange(b.c)) - Number(isRiskyChange(a.c)) || time(b.c) - time(a.c) || a.i - b.i)
    .map(({ c }) => c);
}

/** `12 min`, `2 h 5 min`, `3 d 4 h`, `40 s`. */
export function formatSpan(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** `12 min before the incident`, `3 min after it started`, `at the start`. */
export function relativeToStart(at: string | Date, start: Date): string {
  const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(t)) return 'at an unknown time';
  const d = start.getTime() - t;
  if (Math.abs(d) < 30_000) return 'at the start';
  return d > 0 ? `${formatSpan(d)} before the incident` : `${formatSpan(d)} after it started`;
}

/** `6 h`, `30 min`, `1 d` (for "in the 6 h before this started"). */
export function formatHours(hours: number): string {
  return formatSpan(hours * 3600 * 1000);
}

// ---------------------------------------------------------------------------------------------
// Running checks

/** Runs one check. Never throws; never returns a secret header value. */
export async function runCheck(check: RunbookCheck, ctx: CheckContext): Promise<CheckResult> {
  const secrets = check.type === 'http' ? headerSecrets(check, ctx.env) : [];
  let result: CheckResult;
  try {
    result = check.type === 'recent_changes' ? await recentChanges(check, ctx) : await httpCheck(check, ctx);
  } catch (err) {
    result = { status: 'error', summary: `check failed: ${errorText(err)}` };
  }
  return scrubResult(result, secrets);
}

/**
 * Runs every check the runbook's steps refer to, each distinct check once, concurrently.
 * Returns the result per step id (a step naming a check the runbook lacks gets an `error`).
 */
export async function runStepChecks(runbook: Runbook, ctx: CheckContext): Promise<Map<string, CheckResult>> {
  const byCheck = new Map<string, Promise<CheckResult>>();
  const out = new Map<string, CheckResult>();
  const pending: Promise<void>[] = [];
  for (const step of runbook.steps) {
    if (!step.check) continue;
    const check = runbook.checks[step.check];
    if (!check) {
      out.set(step.id, { status: 'error', summary: `the runbook defines no check \`${step.check}\`` });
      continue;
    }
    let run = byCheck.get(step.check);
    if (!run) {
      run = runCheck(check, ctx);
      byCheck.set(step.check, run);
    }
    pending.push(run.then((r) => void out.set(step.id, r)));
  }
  await Promise.all(pending);
  // In step order, whatever finished first.
  const ordered = new Map<string, CheckResult>();
  for (const step of runbook.steps) {
    const r = out.get(step.id);
    if (r) ordered.set(step.id, r);
  }
  return ordered;
}

// ---------------------------------------------------------------------------------------------
// recent_changes

async function recentChanges(check: RecentChangesCheck, ctx: CheckContext): Promise<CheckResult> {
  const service = check.service ?? ctx.service;
  const hours = check.hours ?? 6;
  if (!service) {
    return {
      status: 'error',
      summary: 'no service to look at: the incident has none; give the check a `service`',
    };
  }
  const start = ctx.incidentStart.getTime() <= ctx.now.getTime() ? ctx.incidentStart : ctx.now;
  const from = new Date(start.getTime() - hours * 3600 * 1000);
  let found: ChangeEvent[];
  try {
    found = await ctx.changes.between(service, from, ctx.now);
  } catch (err) {
    return { status: 'error', summary: `could not read the recorded changes: ${errorText(err)}` };
  }
  const window = `${formatHours(hours)} before this started`;
  if (found.length === 0) {
    return {
      status: 'pass',
      summary: `No deploys or config changes recorded for ${service} in the ${window}`,
      details: ['Only what reached /webhooks/changes is known here: check your deploy tool too.'],
    };
  }
  const ordered = orderChanges(found);
  const risky = ordered.filter(isRiskyChange);
  const details = ordered.slice(0, MAX_DETAILS).map((c) => changeLine(c, ctx.incidentStart));
  if (ordered.length > MAX_DETAILS) details.push(`… and ${ordered.length - MAX_DETAILS} more`);
  const count = `${found.length} change${found.length === 1 ? '' : 's'} to ${service} in the ${window}`;
  const first = risky[0];
  if (first) {
    const more = risky.length > 1 ? ` (+${risky.length - 1} more credentials/config change${risky.length > 2 ? 's' : ''})` : '';
    return {
      status: 'fail',
      summary: clip(`⚠️ ${changeKindLabel(first.kind)} ${relativeToStart(first.at, ctx.incidentStart)}: ${first.summary}${more}`),
      details: [count, ...details],
    };
  }
  const newest = ordered[0];
  return {
    status: 'pass',
    summary: clip(
      `No credentials or config changes; ${count}${newest ? `, latest: ${changeKindLabel(newest.kind)} ${relativeToStart(newest.at, ctx.incidentStart)}: ${newest.summary}` : ''}`,
    ),
    details,
  };
}

function changeLine(c: ChangeEvent, start: Date): string {
  const who = c.author ? ` (${c.author})` : '';
  const version = c.version ? ` [${c.version}]` : '';
  return clip(`${isRiskyChange(c) ? '⚠️ ' : ''}${changeKindLabel(c.kind)} ${relativeToStart(c.at, start)}: ${c.summary}${version}${who}`);
}

// ---------------------------------------------------------------------------------------------
// http

/** Header values that must never be shown: each variable's value, alone and with its prefix. */
function headerSecrets(check: HttpCheck, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const h of Object.values(check.headers ?? {})) {
    const v = env[h.env];
    if (v) out.push(v, ...(h.prefix ? [`${h.prefix}${v}`] : []));
  }
  return out;
}

/** Header values may not hold control characters (CR/LF would split the request). */
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

async function httpCheck(check: HttpCheck, ctx: CheckContext): Promise<CheckResult> {
  const method = check.method ?? 'GET';
  const timeoutMs = check.timeout_ms ?? 5000;
  const expect = check.expect?.length ? check.expect : [200];
  const target = describeUrl(check.url);

  const headers: Record<string, string> = {};
  const sources: string[] = [];
  for (const [name, h] of Object.entries(check.headers ?? {})) {
    const value = ctx.env[h.env];
    if (value === undefined || value === '') {
      return {
        status: 'error',
        summary: `environment variable ${h.env} is not set (it holds the ${name} header); set it for Beacon's worker and run the check again`,
      };
    }
    if (BAD_HEADER_VALUE.test(value) || BAD_HEADER_VALUE.test(h.prefix ?? '')) {
      return {
        status: 'error',
        summary: `environment variable ${h.env} holds a value that cannot be sent as the ${name} header (a line break or control character in it)`,
      };
    }
    headers[name] = `${h.prefix ?? ''}${value}`;
    sources.push(`${name} from $${h.env}`);
  }

  const doFetch = ctx.fetch ?? fetch;
  const started = performance.now();
  let res: Response;
  try {
    res = await doFetch(check.url, {
      method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      // Never follow a redirect: it would send our credentials to wherever it points.
      redirect: 'manual',
    });
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const details = [`${method} ${target}`, ...(sources.length ? [`sent ${sources.join(', ')}`] : [])];
    if (isTimeout(err)) {
      return { status: 'fail', summary: `integration not answering (timed out after ${timeoutMs}ms)`, details, latencyMs };
    }
    return { status: 'fail', summary: `integration not answering (${networkReason(err)})`, details, latencyMs };
  }
  const latencyMs = Math.round(performance.now() - started);
  // The body is not read: only the status matters, and a body could echo what we sent.
  await res.body?.cancel().catch(() => {});
  const status = res.status;
  const details = [
    `${method} ${target} answered HTTP ${status} in ${latencyMs} ms`,
    ...(sources.length ? [`sent ${sources.join(', ')}`] : []),
  ];
  const base = { latencyMs, httpStatus: status, details };
  if (expect.includes(status)) return { status: 'pass', summary: `HTTP ${status} in ${latencyMs} ms`, ...base };
  if (status === 401 || status === 403) {
    return {
      status: 'fail',
      summary: `credentials rejected (HTTP ${status})`,
      ...base,
      details: [
        ...details,
        sources.length
          ? `compare the value of ${Object.values(check.headers ?? {}).map((h) => `$${h.env}`).join(', ')} with the secret store, and who changed it`
          : 'the check sends no credentials: add a header read from an environment variable',
      ],
    };
  }
  if (status >= 500) return { status: 'fail', summary: `integration not answering (HTTP ${status})`, ...base };
  if (status >= 300 && status < 400) {
    const to = res.headers.get('location');
    return { status: 'fail', summary: `unexpected HTTP ${status}${to ? ` (redirects to ${describeUrl(to, check.url)})` : ''}`, ...base };
  }
  return { status: 'fail', summary: `unexpected HTTP ${status}`, ...base };
}

/** Origin and path of a URL, without its query (shorter, and nothing in it is ours to show). */
function describeUrl(url: string, base?: string): string {
  try {
    const u = new URL(url, base);
    return `${u.origin}${u.pathname}`;
  } catch {
    return clip(url, 200);
  }
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string; code?: string } } | null;
  return (
    e?.name === 'TimeoutError' ||
    e?.cause?.name === 'TimeoutError' ||
    e?.cause?.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e?.cause?.code === 'UND_ERR_HEADERS_TIMEOUT'
  );
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

/** Why a request failed, from the error's code when there is one; never the request itself. */
function networkReason(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return NETWORK_REASONS[code] ?? code;
    e = (e as { cause?: unknown }).cause;
  }
  return errorText(err);
}

// ---------------------------------------------------------------------------------------------
// Text hygiene

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return clip(msg.split('\n')[0] ?? '', 200);
}

function clip(s: string, max = MAX_SUMMARY): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Replaces every secret (as written, and as JSON or URL encoding would show it) with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(encodeURIComponent(s));
  }
  // Longest first, so `Bearer abc` goes before `abc`.
  for (const f of [...forms].sort((a, b) => b.length - a.length)) {
    if (f) out = out.split(f).join('[redacted]');
  }
  return out;
}

function scrubResult(r: CheckResult, secrets: readonly string[]): CheckResult {
  const summary = clip(scrubSecrets(r.summary, secrets));
  const details = r.details?.slice(0, MAX_DETAILS + 1).map((d) => clip(scrubSecrets(d, secrets)));
  return {
    status: r.status,
    summary,
    ...(details && details.length ? { details } : {}),
    ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
    ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
  };
}

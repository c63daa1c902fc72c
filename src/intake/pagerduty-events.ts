/**
 * PagerDuty Events API v2 (alert events and change events), as PagerDuty documents them:
 * https://developer.pagerduty.com/docs/events-API-v2/trigger-events/ (PagerDuty/developer-docs,
 * `docs/events-API-v2/02-Trigger-Events.md`), `03-Change-Events.md`, and the OpenAPI document
 * `reference/events-v2/openapiv3.json` of PagerDuty/api-schema.
 *
 * An alert event: `{ routing_key, event_action: trigger | acknowledge | resolve, dedup_key?,
 * payload: { summary, source, severity, timestamp?, component?, group?, class?, custom_details? },
 * client?, client_url?, links?: [{ href, text? }], images?: [{ src, href?, alt? }] }`.
 *
 * | event                    | Beacon                                                              |
 * | ------------------------ | ------------------------------------------------------------------- |
 * | `trigger`                | one `firing` alert: opens the incident of its dedup_key, or joins it |
 * | `acknowledge`            | a status-only alert (title ''): the incident is acknowledged        |
 * | `resolve`                | a status-only alert (title ''): the alert resolves                  |
 *
 * - One incident per dedup_key: group `pagerduty-events:<scope>:<dedup_key>`, where the scope is
 *   the service the routing key names, else a hash of the key (never the key). As in PagerDuty,
 *   events of one dedup_key sent with another routing key do not touch the alert.
 * - A trigger without dedup_key gets one made from the body (32 hex, like PagerDuty's UUIDs), so
 *   the same body sent again finds the same alert.
 * - Title: `payload.summary` (one line); severity `critical`/`error`/`warning`/`info` →
 *   sev1/sev2/sev3/sev4 (`severityFromWord`); service: the routing key's, else `payload.source`.
 * - `source`, `component`, `group`, `class`, `client` are labels and the description's first line;
 *   `custom_details` follow it, one `key: value` line each. `links` and `images` (their `href`, else
 *   their `src`) become the card's links; `client_url` is its "Alert source" link. http(s) only.
 *
 * Errors are PagerDuty's own strings where PagerDuty's answers are on record; the others follow
 * their pattern. (`maiximum` is PagerDuty's spelling, as its 400 answers print it.)
 */
import { z } from 'zod';
import type { Alert, AlertLink, AlertStatus, ChangeEvent, ChangeKind } from '../domain.js';
import { severityFromWord } from '../domain.js';
import { safeLink } from './alertmanager.js';
import { UNDATED_CHANGE_WINDOW_MS } from './changes.js';
import { isoTime, oneLine, shortHash, toIso } from './common.js';

export const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];
export const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** PagerDuty's limits (characters, not UTF-16 units: Alertmanager cuts summaries at 1024 runes). */
export const MAX_SUMMARY = 1024;
export const MAX_DEDUP_KEY = 255;

export const PD_ERRORS = {
  routingKeyBlank: "'routing_key' cannot be blank",
  invalidRoutingKey: 'Invalid routing key',
  eventActionMissing: "'event_action' is missing or blank",
  eventActionInvalid: "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
  severityInvalid: "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
  payloadNotObject: "'payload' must be an object",
  missing: (field: string) => `'${field}' is missing or blank`,
  tooLong: (field: string, max: number) => `'${field}' is too long (maiximum is ${max} characters)`,
  notString: (field: string) => `'${field}' must be a string`,
  notArray: (field: string) => `'${field}' must be an array`,
} as const;

const absent = (v: unknown) => v === undefined || v === null;
const chars = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A string PagerDuty requires: absent, null or blank is its "is missing or blank". */
function requiredText(field: string, limit?: { max: number; name: string }) {
  const text = z
    .string({ error: (iss) => (absent(iss.input) ? PD_ERRORS.missing(field) : PD_ERRORS.notString(field)) })
    .refine((v) => v.trim() !== '', { error: PD_ERRORS.missing(field), abort: true });
  return limit ? text.refine((v) => chars(v) <= limit.max, { error: PD_ERRORS.tooLong(limit.name, limit.max) }) : text;
}

const optionalText = (field: string) => z.string({ error: PD_ERRORS.notString(field) }).nullish();
/** Items are checked when used: one odd link never costs the event. */
const list = (field: string) => z.array(z.unknown(), { error: PD_ERRORS.notArray(field) }).nullish();

const routingKey = z
  .string({ error: (iss) => (absent(iss.input) ? PD_ERRORS.routingKeyBlank : PD_ERRORS.notString('routing_key')) })
  .refine((v) => v.trim() !== '', { error: PD_ERRORS.routingKeyBlank });

const eventSchema = z.object({
  routing_key: routingKey,
  event_action: z.enum(EVENT_ACTIONS, {
    error: (iss) => (absent(iss.input) || iss.input === '' ? PD_ERRORS.eventActionMissing : PD_ERRORS.eventActionInvalid),
  }),
  dedup_key: z
    .string({ error: PD_ERRORS.notString('dedup_key') })
    .refine((v) => chars(v) <= MAX_DEDUP_KEY, { error: PD_ERRORS.tooLong('dedup_key', MAX_DEDUP_KEY) })
    .nullish(),
  payload: z.unknown().optional(),
  client: optionalText('client'),
  client_url: optionalText('client_url'),
  links: list('links'),
  images: list('images'),
});

const payloadSchema = z.object({
  summary: requiredText('payload.summary', { max: MAX_SUMMARY, name: 'summary' }),
  source: requiredText('payload.source'),
  severity: z.enum(PD_SEVERITIES, {
    error: (iss) => (absent(iss.input) || iss.input === '' ? PD_ERRORS.missing('payload.severity') : PD_ERRORS.severityInvalid),
  }),
  timestamp: z.unknown().optional(),
  component: optionalText('payload.component'),
  group: optionalText('payload.group'),
  class: optionalText('payload.class'),
  custom_details: z.unknown().optional(),
});

const changeSchema = z.object({
  routing_key: routingKey,
  payload: z.unknown().optional(),
  links: list('links'),
});

const changePayloadSchema = z.object({
  summary: requiredText('payload.summary', { max: MAX_SUMMARY, name: 'summary' }),
  source: optionalText('payload.source'),
  timestamp: z.unknown().optional(),
  custom_details: z.unknown().optional(),
});

export type PagerDutyPayload = z.infer<typeof payloadSchema>;

export interface PagerDutyEvent {
  action: EventAction;
  /** As sent; undefined (or blank) on a trigger means Beacon makes one. */
  dedupKey?: string;
  /** Validated for triggers only: an acknowledge or resolve carries no alert of its own. */
  payload?: PagerDutyPayload;
  client?: string;
  clientUrl?: string;
  links: unknown[];
  images: unknown[];
}

export interface PagerDutyChange {
  summary: string;
  source?: string;
  timestamp?: unknown;
  customDetails?: unknown;
  links: unknown[];
}

export type PdParse<T> = { success: true; data: T } | { success: false; errors: string[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const messages = (e: z.ZodError) => [...new Set(e.issues.map((i) => i.message))];

/** The payload of an event: absent is every required field missing, as PagerDuty names them. */
function parsePayload<T>(schema: z.ZodType<T>, payload: unknown): PdParse<T> {
  if (!absent(payload) && !isObject(payload)) return { success: false, errors: [PD_ERRORS.payloadNotObject] };
  const parsed = schema.safeParse(payload ?? {});
  return parsed.success ? { success: true, data: parsed.data } : { success: false, errors: messages(parsed.error) };
}

/** An alert event (an object already: the route answers anything else as PagerDuty does). */
export function parsePagerDutyEvent(body: Record<string, unknown>): PdParse<PagerDutyEvent> {
  const top = eventSchema.safeParse(body);
  const errors = top.success ? [] : messages(top.error);
  const action = top.success ? top.data.event_action : EVENT_ACTIONS.find((a) => a === body.event_action);
  const payload = action === 'trigger' ? parsePayload(payloadSchema, body.payload) : undefined;
  if (payload && !payload.success) errors.push(...payload.errors);
  const key = typeof body.dedup_key === 'string' ? body.dedup_key.trim() : '';
  if (action && action !== 'trigger' && !key && !errors.some((e) => e.includes("'dedup_key'"))) errors.push(PD_ERRORS.missing('dedup_key'));
  if (!top.success || errors.length) return { success: false, errors };
  const e = top.data;
  return {
    success: true,
    data: {
      action: e.event_action,
      ...(key ? { dedupKey: key } : {}),
      ...(payload?.success ? { payload: payload.data } : {}),
      ...(e.client ? { client: e.client } : {}),
      ...(e.client_url ? { clientUrl: e.client_url } : {}),
      links: e.links ?? [],
      images: e.images ?? [],
    },
  };
}

export function parsePagerDutyChange(body: Record<string, unknown>): PdParse<PagerDutyChange> {
  const top = changeSchema.safeParse(body);
  const payload = parsePayload(changePayloadSchema, body.payload);
  const errors = [...(top.success ? [] : messages(top.error)), ...(payload.success ? [] : payload.errors)];
  if (!top.success || !payload.success || errors.length) return { success: false, errors };
  const p = payload.data;
  return {
    success: true,
    data: {
      summary: p.summary,
      ...(p.source?.trim() ? { source: p.source.trim() } : {}),
      ...(p.timestamp !== undefined ? { timestamp: p.timestamp } : {}),
      ...(p.custom_details !== undefined ? { customDetails: p.custom_details } : {}),
      links: top.data.links ?? [],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Normalizing

/** Who sent it, as the route found the routing key: never the key itself. */
export interface RoutingScope {
  /** `service:<name>` when the key names a service, else `key:<hash of the key>`. */
  scope: string;
  service?: string;
}

/** The scope of a routing key: its service when it names one, else a hash that never shows the key. */
export function routingScope(key: string, service: string | undefined): RoutingScope {
  return service ? { scope: `service:${service.toLowerCase()}`, service } : { scope: `key:${shortHash('pagerduty-routing-key', key).slice(0, 16)}` };
}

/** The dedup_key Beacon makes for a trigger without one: 32 hex, the same for the same body. */
export { madeDedupKey } from '../ids.js';

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const MAX_LINKS = 20;

/** `links` and `images` as card links: http(s) only, labelled by their text, at most 20. */
export function pagerdutyLinks(links: unknown[], images: unknown[] = []): AlertLink[] {
  const out: AlertLink[] = [];
  const add = (url: unknown, label: unknown, fallback: string) => {
    const safe = typeof url === 'string' ? safeLink(url) : undefined;
    if (!safe || out.length >= MAX_LINKS) return;
    out.push({ label: typeof label === 'string' && label.trim() ? oneLine(label, 100) : fallback, url: safe });
  };
  for (const l of links.slice(0, MAX_LINKS)) if (isObject(l)) add(l.href, l.text, 'Link');
  for (const i of images.slice(0, MAX_LINKS)) if (isObject(i)) add(typeof i.href === 'string' && i.href ? i.href : i.src, i.alt, 'Image');
  return out;
}

/** A value of custom_details as one short text: nesting and length bounded (no recursion on hostile depth). */
function compact(v: unknown, depth = 0): string {
  if (typeof v === 'string') return depth ? JSON.stringify(clip(v, 500)) : v;
  if (v === null || typeof v !== 'object') return String(v);
  if (depth >= 3) return '…';
  const more = (n: number) => (n > 20 ? ', …' : '');
  if (Array.isArray(v)) return `[${v.slice(0, 20).map((x) => compact(x, depth + 1)).join(', ')}${more(v.length)}]`;
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  return `{${keys.slice(0, 20).map((k) => `${k}: ${compact(o[k], depth + 1)}`).join(', ')}${more(keys.length)}}`;
}

/** custom_details as `key: value` lines (an object) or as sent (a string); empty values left out. */
export function detailLines(details: unknown): string[] {
  if (typeof details === 'string') return details.trim() ? [clip(details.trim(), 3000)] : [];
  if (!isObject(details)) return absent(details) ? [] : [clip(compact(details), 1000)];
  const lines: string[] = [];
  for (const k of Object.keys(details).slice(0, 50)) {
    const v = details[k];
    if (v === '' || v === undefined) continue;
    lines.push(clip(`${k}: ${compact(v)}`.trim(), 1000));
  }
  return lines;
}

/** The PD-CEF fields shown: labels (for runbook matching) and the description's first line. */
const cef = (p: PagerDutyPayload): [string, string][] =>
  ([['source', p.source], ['component', p.component], ['group', p.group], ['class', p.class]] as const).flatMap(([k, v]) => (v?.trim() ? [[k, v.trim()] as [string, string]] : []));

function cefLabels(p: PagerDutyPayload, client: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of cef(p)) labels[k] = clip(v, 1024);
  if (client?.trim()) labels.client = clip(client.trim(), 1024);
  labels.severity = p.severity;
  return labels;
}

function describePayload(p: PagerDutyPayload): string {
  const head = cef(p).map(([k, v]) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${oneLine(v, 300)}`).join(' · ');
  return clip([head, ...detailLines(p.custom_details)].filter(Boolean).join('\n'), 4000);
}

const validTime = (t: unknown): string | undefined => (typeof t === 'string' && isoTime.safeParse(t).success ? t : undefined);

const STATUS: Record<EventAction, AlertStatus> = { trigger: 'firing', acknowledge: 'acknowledged', resolve: 'resolved' };

/**
 * One event as a Beacon alert. `dedupKey` is the event's own, or the one Beacon made for a trigger
 * without one (`madeDedupKey`).
 */
export function normalizePagerDutyEvent(e: PagerDutyEvent, ctx: RoutingScope & { dedupKey: string; now: Date }): Alert {
  const base = {
    source: 'pagerduty-events' as const,
    fingerprint: ctx.dedupKey,
    group: `pagerduty-events:${ctx.scope}:${ctx.dedupKey}`,
    status: STATUS[e.action],
  };
  const p = e.payload;
  if (e.action !== 'trigger' || !p) {
    // Status only: the stored alert keeps its title, the incident its severity.
    return {
      ...base,
      title: '',
      severity: 'sev3',
      ...(ctx.service ? { service: ctx.service } : {}),
      labels: { dedup_key: ctx.dedupKey },
      startsAt: ctx.now.toISOString(),
      ...(e.action === 'resolve' ? { endsAt: ctx.now.toISOString() } : {}),
    };
  }
  const link = e.clientUrl ? safeLink(e.clientUrl) : undefined;
  const links = pagerdutyLinks(e.links, e.images);
  return {
    ...base,
    title: oneLine(p.summary.trim()),
    severity: severityFromWord(p.severity),
    service: ctx.service ?? clip(p.source.trim(), 200),
    description: describePayload(p),
    ...(link ? { link } : {}),
    ...(links.length ? { links } : {}),
    labels: { ...cefLabels(p, e.client), dedup_key: ctx.dedupKey },
    startsAt: toIso(validTime(p.timestamp), ctx.now),
  };
}

// ---------------------------------------------------------------------------------------------
// Change events

const CREDENTIAL_WORDS = /\b(credentials?|secrets?|passwords?|passphrases?|api[ _-]?keys?|access[ _-]?keys?|tokens?|certificates?|certs?|key[ _-]?rotations?|rotat(e|ed|es|ing|ion)[ _-]+(the[ _-]+)?keys?)\b/i;
const CONFIG_WORDS = /\b(config|configs|configuration|configurations|settings?|feature[ _-]?flags?|toggles?)\b/i;

/** The texts of custom_details a reader would call "what it says": keys and string values, not URLs. */
function detailTexts(details: unknown): string[] {
  if (typeof details === 'string') return [details.slice(0, 2000)];
  if (!isObject(details)) return [];
  const out: string[] = [];
  for (const k of Object.keys(details).slice(0, 50)) {
    out.push(k);
    const v = details[k];
    if (typeof v === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())) out.push(v.slice(0, 2000));
  }
  return out;
}

/** `credentials` or `config` when the summary or custom details say so, else `deploy`. */
export function changeKindOf(summary: string, details?: unknown): ChangeKind {
  const texts = [summary, ...detailTexts(details)];
  if (texts.some((t) => CREDENTIAL_WORDS.test(t))) return 'credentials';
  if (texts.some((t) => CONFIG_WORDS.test(t))) return 'config';
  return 'deploy';
}

const detailString = (details: unknown, ...names: string[]): string | undefined => {
  if (!isObject(details)) return undefined;
  for (const n of names) {
    const v = details[n];
    if (typeof v === 'string' && v.trim()) return oneLine(v, 200);
  }
  return undefined;
};

/**
 * A change event as a Beacon change: the service the routing key names, else `payload.source`;
 * undefined when neither names one (nothing to attach it to).
 */
export function normalizePagerDutyChange(c: PagerDutyChange, ctx: { service?: string; now: Date }): ChangeEvent | undefined {
  const service = ctx.service ?? (c.source ? clip(c.source, 200) : undefined);
  if (!service) return undefined;
  const summary = oneLine(c.summary.trim(), 500);
  const kind = changeKindOf(c.summary, c.customDetails);
  const time = validTime(c.timestamp);
  const at = toIso(time, ctx.now);
  const when = time ? at : `arrived:${Math.floor(ctx.now.getTime() / UNDATED_CHANGE_WINDOW_MS)}`;
  const version = detailString(c.customDetails, 'version', 'release', 'build_number', 'build', 'commit', 'sha');
  const author = detailString(c.customDetails, 'author', 'user', 'actor', 'triggered_by', 'committer');
  const link = pagerdutyLinks(c.links)[0]?.url;
  return {
    id: shortHash('pagerduty-change', service.toLowerCase(), kind, summary, version ?? '', when),
    service,
    kind,
    summary,
    ...(author ? { author } : {}),
    ...(link ? { link } : {}),
    ...(version ? { version } : {}),
    at,
  };
}

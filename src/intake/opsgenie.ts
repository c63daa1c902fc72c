/**
 * Opsgenie Alert API v2 (https://docs.opsgenie.com/docs/alert-api), the calls senders make:
 * Alertmanager's `opsgenie_configs`, Grafana's Opsgenie contact point, scripts and CI jobs.
 *
 * | call                                            | body                                   | Beacon                                   |
 * | ----------------------------------------------- | -------------------------------------- | ---------------------------------------- |
 * | `POST v2/alerts`                                | create (below)                         | one `firing` alert of group `opsgenie:<alias>` |
 * | `POST v2/alerts/<alias>/close?identifierType=alias`       | `user`, `source`, `note`     | a status-only `resolved` alert           |
 * | `POST v2/alerts/<alias>/acknowledge?identifierType=alias` | `user`, `source`, `note`     | a status-only `acknowledged` alert       |
 * | `PUT v2/alerts/<alias>/message`, `…/description`, `POST …/notes` | `message`, `description`, `note` (+`user`, `source`) | validated, answered, nothing changes |
 *
 * Create fields and Opsgenie's limits (the Alert API's "Create Alert" table and "Alerts and
 * Alert Fields"): `message` (required, 130 characters), `alias` (512), `description` (15000),
 * `responders` and `visibleTo` (50 each, more are ignored as Opsgenie ignores them), `actions`
 * (10 of 50 characters), `tags` (20 of 50 characters), `details` (string map, 8000 characters in
 * total), `entity` (512), `source` (100), `priority` (`P1`..`P5`, default `P3`), `user` (100),
 * `note` (25000). Past its limit a field is refused (422), but `entity`, `source`, `user` and
 * `note` are cut instead: the documentation gives their limits without saying more is refused,
 * and Alertmanager sends its own URL as `source` (a long external URL would lose the page).
 * Characters are code points, as Alertmanager counts them when it truncates a message to 130
 * "runes". A number or boolean where a string goes is taken as its text.
 *
 * - Identity and group: the `alias` (fingerprint `<alias>`, group `opsgenie:<alias>`), so a second
 *   create with the same alias while the incident is open is a repeat. Without an alias the
 *   message is the alias: the same message again is the same alert.
 * - Title: `message`, one line. Service: `details.service`, else `entity`, else `details.app`,
 *   else `details.job`. Link: `source` when it is an http(s) URL (Alertmanager sends its own URL).
 * - Labels: `details` as they are, and `alias`, `entity`, `source`, `priority`, `tags`,
 *   `responders`, `user`; the card shows entity, tags, responders, details and the note above the
 *   description.
 *
 * | `priority`    | Beacon |
 * | ------------- | ------ |
 * | `P1`          | `sev1` |
 * | `P2`          | `sev2` |
 * | `P3`, missing | `sev3` |
 * | `P4`, `P5`    | `sev4` |
 */
import { z } from 'zod';
import type { Alert, AlertStatus } from '../domain.js';
import { severityFromWord } from '../domain.js';
import { nonBlank, safeLink } from './alertmanager.js';
import { oneLine } from './common.js';

export const OPSGENIE_LIMITS = {
  message: 130,
  alias: 512,
  description: 15_000,
  responders: 50,
  actions: 10,
  action: 50,
  tags: 20,
  tag: 50,
  details: 8000,
  entity: 512,
  source: 100,
  user: 100,
  note: 25_000,
} as const;

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
const RESPONDER_TYPES = ['team', 'user', 'escalation', 'schedule'] as const;
const VISIBLE_TO_TYPES = ['team', 'user'] as const;
export const IDENTIFIER_TYPES = ['id', 'tiny', 'alias'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

/** Opsgenie's `errors` of a 422: one reason per field (`message`, `tags[3]`, `details.team`). */
export type OpsgenieErrors = Record<string, string>;
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: OpsgenieErrors };

/** At most `max` characters, counted in code points. */
export function fits(s: string, max: number): boolean {
  if (s.length <= max) return true;
  let n = 0;
  for (const _ of s) if (++n > max) return false;
  return true;
}

/** A number or boolean where a string goes becomes its text; null is absent. */
const scalar = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? undefined : v);
const absentIfNull = (v: unknown) => (v === null ? undefined : v);

const maxChars = (max: number) => [(s: string) => fits(s, max), `should be at most ${max} characters`] as const;

/** An optional string of at most `max` characters. */
const text = (max: number) => z.preprocess(scalar, z.string({ error: 'should be a string' }).refine(...maxChars(max)).optional());

/** The first `max` code points of `s`. */
function firstChars(s: string, max: number): string {
  if (s.length <= max) return s;
  let n = 0;
  let end = 0;
  for (const ch of s) {
    if (++n > max) break;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * An optional string cut to `max` characters rather than refused: for the fields whose limit
 * Opsgenie documents without saying it refuses more, where refusing would lose the page
 * (Alertmanager sends its own URL as `source`, on create and on close).
 */
const cutText = (max: number) =>
  z.preprocess(
    scalar,
    z
      .string({ error: 'should be a string' })
      .transform((s) => firstChars(s, max))
      .optional(),
  );

/** A required, non-blank string of at most `max` characters. */
const requiredText = (max: number) =>
  z.preprocess(
    scalar,
    z
      .string({ error: (issue) => (issue.input === undefined ? 'should not be empty' : 'should be a string') })
      .refine((s) => s.trim() !== '', 'should not be empty')
      .refine(...maxChars(max)),
  );

/** A list of at most `count` strings of at most `max` characters each (tags, actions). */
const textList = (count: number, max: number, noun: string) =>
  z.preprocess(
    absentIfNull,
    z
      .array(z.preprocess(scalar, z.string({ error: 'should be a string' }).refine(...maxChars(max))), { error: 'should be an array' })
      .max(count, `should contain at most ${count} ${noun}`)
      .optional(),
  );

/** Responders and visibleTo: `{ id | name | username, type }`; past the first 50 they are ignored. */
const recipients = <T extends readonly [string, ...string[]]>(types: T) =>
  z.preprocess(
    (v) => (Array.isArray(v) ? v.slice(0, OPSGENIE_LIMITS.responders) : absentIfNull(v)),
    z
      .array(
        z
          .object(
            {
              id: text(512),
              name: text(512),
              username: text(512),
              type: z.preprocess(scalar, z.enum(types, { error: `should be one of [ ${types.join(', ')} ]` })),
            },
            { error: 'should be an object' },
          )
          .superRefine((r, ctx) => {
            const byName = r.type === 'user' ? r.username : r.name;
            if (!nonBlank(r.id) && !nonBlank(byName)) ctx.addIssue({ code: 'custom', message: `id or ${r.type === 'user' ? 'username' : 'name'} should be provided` });
          }),
        { error: 'should be an array' },
      )
      .optional(),
  );

/** `details`: string values (null ones dropped), 8000 characters in total, keys included. */
const details = z.preprocess(
  absentIfNull,
  z
    .record(z.string(), z.preprocess((v) => (v === null ? '' : scalar(v)), z.string({ error: 'should be a string' })), { error: 'should be an object' })
    .refine((m) => fits(Object.entries(m).reduce((acc, [k, v]) => acc + k + v, ''), OPSGENIE_LIMITS.details), `should be at most ${OPSGENIE_LIMITS.details} characters in total`)
    .optional(),
);

const L = OPSGENIE_LIMITS;

export const opsgenieCreateSchema = z.object(
  {
    message: requiredText(L.message),
    alias: text(L.alias),
    description: text(L.description),
    responders: recipients(RESPONDER_TYPES),
    visibleTo: recipients(VISIBLE_TO_TYPES),
    actions: textList(L.actions, L.action, 'actions'),
    tags: textList(L.tags, L.tag, 'tags'),
    details,
    entity: cutText(L.entity),
    source: cutText(L.source),
    priority: z.preprocess(absentIfNull, z.enum(PRIORITIES, { error: `should be one of [ ${PRIORITIES.join(', ')} ]` }).optional()),
    user: cutText(L.user),
    note: cutText(L.note),
  },
  { error: 'should be an object' },
);
export type OpsgenieCreate = z.infer<typeof opsgenieCreateSchema>;

/** Who did it and why: the optional fields of close, acknowledge and the updates. */
const actor = { user: cutText(L.user), source: cutText(L.source) };

/** The bodies of the calls on one alert (`v2/alerts/<identifier>/<action>`). */
export const OPSGENIE_ACTION_SCHEMAS = {
  close: z.object({ ...actor, note: cutText(L.note) }, { error: 'should be an object' }),
  acknowledge: z.object({ ...actor, note: cutText(L.note) }, { error: 'should be an object' }),
  notes: z.object({ ...actor, note: requiredText(L.note) }, { error: 'should be an object' }),
  message: z.object({ message: requiredText(L.message) }, { error: 'should be an object' }),
  // Alertmanager leaves `description` out when its template renders empty: that is taken too.
  description: z.object({ description: text(L.description) }, { error: 'should be an object' }),
} as const;
export type OpsgenieAction = keyof typeof OPSGENIE_ACTION_SCHEMAS;

/** `tags[3]`, `details.team`, `responders[0].type`; `body` for the body itself. */
function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out = typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p);
  return out || 'body';
}

/** Zod's issues as Opsgenie's `errors` object: the first reason per field. */
export function opsgenieErrors(error: z.ZodError): OpsgenieErrors {
  const seen = new Map<string, string>();
  for (const issue of error.issues) {
    const field = fieldName(issue.path);
    if (!seen.has(field)) seen.set(field, issue.message);
  }
  return Object.fromEntries(seen);
}

function check<T>(schema: z.ZodType<T>, body: unknown): Checked<T> {
  const parsed = schema.safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: opsgenieErrors(parsed.error) };
}

export const parseOpsgenieCreate = (body: unknown): Checked<OpsgenieCreate> => check(opsgenieCreateSchema, body);
export const parseOpsgenieAction = (action: OpsgenieAction, body: unknown): Checked<unknown> => check(OPSGENIE_ACTION_SCHEMAS[action] as z.ZodType<unknown>, body);

/** `identifierType` as Opsgenie reads it (`id` when absent); undefined for one it does not know. */
export function opsgenieIdentifierType(raw: string | null): IdentifierType | undefined {
  const t = (raw ?? 'id').trim().toLowerCase();
  return (IDENTIFIER_TYPES as readonly string[]).includes(t) ? (t as IdentifierType) : undefined;
}

/** The alias a create answers for: its own, else its message. */
export function opsgenieAlias(body: Pick<OpsgenieCreate, 'alias' | 'message'>): string {
  return nonBlank(body.alias) ? body.alias! : body.message.trim();
}

/** At most `max` UTF-16 units with the ellipsis, never ending inside a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = /[\ud800-\udbff]/.test(s[max - 2] ?? '') ? max - 2 : max - 1;
  return `${s.slice(0, end)}…`;
}

const describeRecipient = (r: { id?: string | undefined; name?: string | undefined; username?: string | undefined; type: string }) =>
  `${r.type} ${nonBlank(r.type === 'user' ? r.username : r.name) ?? nonBlank(r.id) ?? ''}`.trim();

/** Opsgenie's own fields worth a look on the card, then the description. */
function cardText(body: OpsgenieCreate, detailPairs: [string, string][]): string | undefined {
  const facts = [
    nonBlank(body.entity) ? `Entity: ${oneLine(body.entity!, 2 * L.entity)}` : undefined,
    body.tags?.length ? `Tags: ${cut(body.tags.join(', '), 1100)}` : undefined,
    body.responders?.length ? `Responders: ${cut(body.responders.map(describeRecipient).join(', '), 1000)}` : undefined,
    detailPairs.length ? `Details: ${cut(detailPairs.map(([k, v]) => `${k}=${v}`).join(', '), 1000)}` : undefined,
    nonBlank(body.note) ? `Note${nonBlank(body.user) ? ` (${oneLine(body.user!, 2 * L.user)})` : ''}: ${cut(body.note!.trim(), 1000)}` : undefined,
  ].filter((f): f is string => f !== undefined);
  const parts = [facts.join('\n'), nonBlank(body.description) ? body.description!.trim() : ''].filter(Boolean);
  return parts.length ? parts.join('\n\n') : undefined;
}

function labelsOf(body: OpsgenieCreate, alias: string, detailPairs: [string, string][]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of detailPairs) labels[k] = v;
  const own: [string, string | undefined][] = [
    ['alias', alias],
    ['entity', nonBlank(body.entity)],
    ['source', nonBlank(body.source)],
    ['priority', body.priority],
    ['tags', body.tags?.length ? body.tags.join(',') : undefined],
    ['responders', body.responders?.length ? body.responders.map(describeRecipient).join(', ') : undefined],
    ['user', nonBlank(body.user)],
  ];
  for (const [k, v] of own) if (v !== undefined) labels[k] = v;
  return labels;
}

/** One create request as Beacon's alert: `firing`, of the alias's group. */
export function normalizeOpsgenieCreate(body: OpsgenieCreate, now: Date): Alert {
  const alias = opsgenieAlias(body);
  const detailPairs = Object.entries(body.details ?? {}).filter(([k, v]) => k !== '__proto__' && v.trim() !== '');
  const detail = (k: string) => nonBlank(detailPairs.find(([key]) => key === k)?.[1]);
  const service = (detail('service') ?? nonBlank(body.entity) ?? detail('app') ?? detail('job'))?.slice(0, 200);
  const description = cardText(body, detailPairs);
  const link = safeLink(body.source);
  return {
    source: 'opsgenie',
    fingerprint: alias,
    group: `opsgenie:${alias}`,
    status: 'firing',
    // At most 130 code points: 260 UTF-16 units, so never cut (and never inside a surrogate pair).
    title: oneLine(body.message.trim(), 2 * OPSGENIE_LIMITS.message),
    severity: severityFromWord(body.priority ?? 'P3'),
    ...(service ? { service } : {}),
    ...(description ? { description } : {}),
    ...(link ? { link } : {}),
    labels: labelsOf(body, alias, detailPairs),
    startsAt: now.toISOString(),
  };
}

/**
 * Close or acknowledge by alias: a status-only alert (no title: the stored alert keeps its own)
 * for the alias's fingerprint in the alias's group. The worker drops it when the group has no
 * open incident, which is how an alias Beacon never saw changes nothing.
 */
export function opsgenieStatusAlert(alias: string, status: Extract<AlertStatus, 'resolved' | 'acknowledged'>, now: Date): Alert {
  return {
    source: 'opsgenie',
    fingerprint: alias,
    group: `opsgenie:${alias}`,
    status,
    title: '',
    severity: 'sev3',
    labels: {},
    startsAt: now.toISOString(),
    ...(status === 'resolved' ? { endsAt: now.toISOString() } : {}),
  };
}

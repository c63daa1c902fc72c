/**
 * Datadog Webhooks integration (https://docs.datadoghq.com/integrations/webhooks/).
 *
 * Datadog posts whatever JSON template the webhook is configured with, substituting its
 * `$VARIABLES` into the strings. Beacon publishes `DATADOG_TEMPLATE` below (paste it into the
 * webhook's Payload field) and also takes Datadog's default payload, which carries only
 * `body`, `last_updated`, `event_type`, `title`, `date`, `org` and `id`.
 *
 * - Title: `alert_title` ($ALERT_TITLE), else `title` ($EVENT_TITLE); one line.
 * - State: `alert_transition` "Recovered" resolves; every other transition ("Triggered",
 *   "Re-Triggered", "Warn", "Re-Warn", "No Data", "Re-No Data", "Renotify"/"Re-Notify") fires.
 *   Without `alert_transition` (default payload): a leading "[Recovered ...]" in the title, or
 *   `alert_type` "success", resolves.
 * - Identity: `alert_cycle_key` (shared by a trigger and its recovery), else `alert_id` (plus a
 *   hash of `alert_scope` when set, so the groups of a multi-alert monitor stay apart), else a
 *   hash of the title without its leading "[...]" tags and the host.
 * - Incident group: `datadog:` + `alert_id` (the monitor), else `aggregate` ($AGGREG_KEY), else
 *   the identity.
 * - Service: tag `service:<name>` in `tags`, else in `alert_scope`.
 * - Link: `link` ($LINK), dropped when not http(s).
 * - Times: `date` ($DATE, epoch milliseconds) is when the event happened: `startsAt`, and
 *   `endsAt` of a recovery.
 * - A value still reading `$SOME_VARIABLE` (not substituted) or empty counts as absent.
 *
 * Severity mapping, first match wins:
 *
 * | field                                   | value                 | Beacon |
 * | --------------------------------------- | --------------------- | ------ |
 * | `alert_priority` ($ALERT_PRIORITY)      | `P1`                  | `sev1` |
 * |                                         | `P2`                  | `sev2` |
 * |                                         | `P3`                  | `sev3` |
 * |                                         | `P4`, `P5`            | `sev4` |
 * | leading `[P1]`..`[P5]` in the title     | as above              |        |
 * | `alert_type` ($ALERT_TYPE)              | `error`               | `sev2` |
 * |                                         | `warning`             | `sev3` |
 * |                                         | `info`, `success`     | `sev4` |
 * | none of these                           |                       | `sev3` |
 */
import { z } from 'zod';
import type { Alert, AlertStatus, IntakeResult, Severity } from '../domain.js';
import { severityFromWord } from '../domain.js';
import { oneLine, shortHash } from './common.js';
import { nonBlank, safeLink } from './alertmanager.js';
import type { IntakeModule } from './index.js';

/**
 * The payload to paste into the Datadog webhook's Payload field. Each value is the Datadog
 * variable of the same name in upper case (README, "Datadog").
 */
export const DATADOG_TEMPLATE: Record<string, unknown> = Object.freeze({
  id: '$ID',
  title: '$EVENT_TITLE',
  body: '$EVENT_MSG',
  date: '$DATE',
  last_updated: '$LAST_UPDATED',
  event_type: '$EVENT_TYPE',
  org: Object.freeze({ id: '$ORG_ID', name: '$ORG_NAME' }),
  alert_id: '$ALERT_ID',
  alert_title: '$ALERT_TITLE',
  alert_transition: '$ALERT_TRANSITION',
  alert_status: '$ALERT_STATUS',
  alert_type: '$ALERT_TYPE',
  alert_priority: '$ALERT_PRIORITY',
  alert_metric: '$ALERT_METRIC',
  alert_query: '$ALERT_QUERY',
  alert_scope: '$ALERT_SCOPE',
  alert_cycle_key: '$ALERT_CYCLE_KEY',
  aggregate: '$AGGREG_KEY',
  priority: '$PRIORITY',
  hostname: '$HOSTNAME',
  link: '$LINK',
  tags: '$TAGS',
  user: '$USER',
});

/**
 * Datadog substitutes into strings, but an operator who drops the quotes around `$ALERT_ID`
 * sends a number: take both, keep a string.
 */
const text = (max: number) =>
  z
    .union([z.string().max(max), z.number()], { error: `must be a string of at most ${max} characters` })
    .transform((v) => String(v))
    .optional()
    .nullable();

const MAX_TAGS = 200;

export const datadogSchema = z
  .object({
    id: text(200),
    title: text(2000),
    body: text(100_000),
    date: text(64),
    last_updated: text(64),
    event_type: text(200),
    org: z
      .object({ id: text(200), name: text(1000) })
      .nullable()
      .optional(),
    alert_id: text(200),
    alert_title: text(2000),
    alert_transition: text(100),
    alert_status: text(10_000),
    alert_type: text(100),
    alert_priority: text(100),
    alert_metric: text(1000),
    alert_query: text(20_000),
    alert_scope: text(10_000),
    alert_cycle_key: text(500),
    aggregate: text(500),
    priority: text(100),
    hostname: text(1000),
    link: text(3000),
    tags: z
      .union([z.string().max(20_000), z.array(z.string().max(1000)).max(MAX_TAGS)], {
        error: 'must be a comma-separated string of tags',
      })
      .optional()
      .nullable(),
    user: text(1000),
  })
  .superRefine((b, ctx) => {
    if (!given(b.alert_title) && !given(b.title)) {
      ctx.addIssue({ code: 'custom', path: ['alert_title'], message: 'required: alert_title or title' });
    }
  });

export type DatadogPayload = z.infer<typeof datadogSchema>;

/** Trimmed, non-empty and actually substituted (not a literal `$VARIABLE`), else undefined. */
function given(v: string | null | undefined): string | undefined {
  const t = nonBlank(v);
  if (t === undefined || /^\$[A-Z][A-Z0-9_]*(\[[^\]]*\])?$/.test(t)) return undefined;
  return t;
}

/** `severityFromWord` for the words it knows, undefined for the rest. */
function knownSeverity(word: string | undefined): Severity | undefined {
  if (!word) return undefined;
  const a = severityFromWord(word, 'sev1');
  return a === severityFromWord(word, 'sev4') ? a : undefined;
}

const ALERT_TYPE_SEVERITY: Record<string, Severity> = {
  error: 'sev2',
  warning: 'sev3',
  info: 'sev4',
  success: 'sev4',
};

/** The leading `[...]` tags of an event title: `[P1] [Triggered on {host:a}] Disk full`. */
function leadingTags(title: string): { tags: string[]; rest: string } {
  const tags: string[] = [];
  let rest = title;
  for (let i = 0; i < 5; i++) {
    const m = /^\s*\[([^\]]{0,500})\]/.exec(rest);
    if (!m) break;
    tags.push((m[1] ?? '').trim());
    rest = rest.slice(m[0].length);
  }
  return { tags, rest: rest.trim() };
}

/** Epoch seconds or milliseconds, or an ISO time; undefined when neither. */
function ddTime(v: string | undefined): string | undefined {
  if (!v) return undefined;
  let t: number;
  if (/^\d{1,16}$/.test(v)) {
    const n = Number(v);
    t = n < 100_000_000_000 ? n * 1000 : n;
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    t = Date.parse(v);
  } else {
    return undefined;
  }
  if (Number.isNaN(t) || t < Date.UTC(1971, 0, 1) || t > Date.UTC(9999, 0, 1)) return undefined;
  return new Date(t).toISOString();
}

/** `a:b, c` or `["a:b","c"]` into `[["a","b"],["c",""]]`. */
function splitTags(tags: string | string[] | null | undefined): [string, string][] {
  if (!tags) return [];
  const list = typeof tags === 'string' ? tags.split(',') : tags;
  const out: [string, string][] = [];
  for (const raw of list.slice(0, MAX_TAGS)) {
    const tag = raw.trim();
    if (!tag || given(tag) === undefined) continue;
    const i = tag.indexOf(':');
    out.push(i < 0 ? [tag, ''] : [tag.slice(0, i).trim(), tag.slice(i + 1).trim()]);
  }
  return out;
}

function tagValue(pairs: [string, string][], key: string): string | undefined {
  for (const [k, v] of pairs) if (k === key && v) return v;
  return undefined;
}

/** `$EVENT_MSG` wraps Markdown in `%%%` lines: drop them. */
function cleanBody(body: string | undefined): string | undefined {
  if (!body) return undefined;
  const cleaned = body
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '%%%')
    .join('\n')
    .trim();
  if (!cleaned) return undefined;
  return cleaned.length > 20_000 ? `${cleaned.slice(0, 19_999)}…` : cleaned;
}

export function normalizeDatadog(b: DatadogPayload, now: Date): IntakeResult {
  const rawTitle = given(b.alert_title) ?? given(b.title) ?? 'Datadog alert';
  const title = oneLine(rawTitle);
  const { tags: titleTags, rest: bareTitle } = leadingTags(rawTitle);

  const transition = given(b.alert_transition);
  const alertType = given(b.alert_type)?.toLowerCase();
  let status: AlertStatus;
  if (transition) status = /^recovered$/i.test(transition) ? 'resolved' : 'firing';
  else if (titleTags.some((t) => /^recovered\b/i.test(t)) || alertType === 'success') status = 'resolved';
  else status = 'firing';

  const titlePriority = titleTags.find((t) => /^p[1-5]$/i.test(t));
  const severity: Severity =
    knownSeverity(given(b.alert_priority)) ??
    knownSeverity(titlePriority) ??
    (alertType && Object.hasOwn(ALERT_TYPE_SEVERITY, alertType) ? ALERT_TYPE_SEVERITY[alertType] : undefined) ??
    'sev3';

  const tagPairs = splitTags(b.tags);
  const scopePairs = splitTags(given(b.alert_scope));
  const hostname = given(b.hostname);
  const service = (tagValue(tagPairs, 'service') ?? tagValue(scopePairs, 'service'))?.slice(0, 200);

  const labels: Record<string, string> = {};
  for (const [k, v] of tagPairs) {
    if (!k || k.length > 200 || k === '__proto__' || Object.hasOwn(labels, k) || !v) continue;
    labels[k] = v.slice(0, 4000);
  }
  if (hostname && !Object.hasOwn(labels, 'host')) labels.host = hostname.slice(0, 4000);

  const alertId = given(b.alert_id);
  const scope = given(b.alert_scope);
  const fingerprint =
    given(b.alert_cycle_key) ??
    (alertId ? (scope ? `${alertId}:${shortHash(scope)}` : alertId) : shortHash('datadog', bareTitle || rawTitle, hostname ?? ''));
  const group = `datadog:${alertId ?? given(b.aggregate) ?? fingerprint}`;

  const at = ddTime(given(b.date));
  const startsAt = at ?? now.toISOString();
  const endsAt = status === 'resolved' ? (at ?? ddTime(given(b.last_updated)) ?? now.toISOString()) : undefined;

  const description = cleanBody(given(b.body)) ?? given(b.alert_status);
  const link = safeLink(given(b.link));

  const alert: Alert = {
    source: 'datadog',
    fingerprint,
    group,
    status,
    title,
    severity,
    ...(service ? { service } : {}),
    ...(description ? { description } : {}),
    ...(link ? { link } : {}),
    labels,
    startsAt,
    ...(endsAt ? { endsAt } : {}),
  };
  return { alerts: [alert] };
}

export function parseDatadog(body: unknown) {
  return datadogSchema.safeParse(body);
}

export const datadogIntake: IntakeModule<DatadogPayload> = {
  source: 'datadog',
  parse: parseDatadog,
  normalize: (body, ctx) => normalizeDatadog(body, ctx.now),
};

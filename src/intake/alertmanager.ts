/**
 * Prometheus Alertmanager webhook receiver (`webhook_config`), payload version "4".
 * Documented at https://prometheus.io/docs/alerting/latest/configuration/#webhook_config :
 *
 *   { version: "4", groupKey, truncatedAlerts, status, receiver, groupLabels, commonLabels,
 *     commonAnnotations, externalURL,
 *     alerts: [{ status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint }] }
 *
 * - Incident group: `alertmanager:` + `groupKey`.
 * - Identity: each alert's `fingerprint` (a hash of its labels when absent).
 * - State: each alert's own `status`. A firing alert carries `endsAt` "0001-01-01T00:00:00Z"
 *   (or a future time Alertmanager would resolve it at), so `endsAt` never decides the state.
 * - Title: `annotations.summary`, else `labels.alertname`.
 * - Service: `labels.service`, else `labels.job`, else `labels.app`.
 * - Link: `generatorURL`; `annotations.runbook_url` becomes the runbook link. A link that is not
 *   http(s) is dropped, the alert is kept.
 *
 * Severity mapping (alert label `severity`):
 *
 * | `labels.severity`                                                  | Beacon |
 * | ------------------------------------------------------------------ | ------ |
 * | `critical`, `crit`, `fatal`, `emergency`, `page`, `p1`, `sev1`, `1` | `sev1` |
 * | `high`, `error`, `major`, `p2`, `sev2`, `2`                         | `sev2` |
 * | `warning`, `warn`, `medium`, `moderate`, `minor`, `p3`, `sev3`, `3` | `sev3` |
 * | `info`, `low`, `notice`, `none`, `p4`, `p5`, `sev4`, `4`, `5`       | `sev4` |
 * | missing or anything else                                           | `sev3` |
 *
 * The helpers exported below the schema are shared with the Grafana module, whose payload is
 * the same shape with a few more fields.
 */
import { z } from 'zod';
import type { Alert, AlertLink, AlertStatus, IntakeResult } from '../domain.js';
import { severityFromWord } from '../domain.js';
import { httpUrl, isoTime, oneLine, shortHash, toIso } from './common.js';
import type { IntakeModule } from './index.js';

/** Largest number of alerts one body may carry. */
export const MAX_ALERTS = 1000;
const MAX_MAP_ENTRIES = 256;

const boundedMap = (valueMax: number) =>
  z
    .record(z.string().max(200), z.string().max(valueMax))
    .refine((m) => Object.keys(m).length <= MAX_MAP_ENTRIES, { message: `at most ${MAX_MAP_ENTRIES} entries` });

/** Labels: short keys and values. */
export const labelMap = boundedMap(4000);
/** Annotations: descriptions can be long. */
export const annotationMap = boundedMap(20_000);

export const alertState = z.enum(['firing', 'resolved']);

/** A vendor-supplied URL we only show: any bounded string, dropped later if not http(s). */
export const vendorUrl = z.string().max(3000);

/** The fields every Alertmanager-style alert has (Grafana's alerts add a few). */
export const alertmanagerAlertFields = {
  status: alertState,
  labels: labelMap,
  annotations: annotationMap.optional(),
  startsAt: isoTime,
  endsAt: isoTime.optional(),
  generatorURL: vendorUrl.optional(),
  fingerprint: z.string().max(200).optional(),
};

/** The top-level fields Alertmanager and Grafana share, `version` and the alert list aside. */
export const alertmanagerGroupFields = {
  receiver: z.string().max(1000).optional(),
  status: alertState.optional(),
  groupLabels: labelMap.optional(),
  commonLabels: labelMap.optional(),
  commonAnnotations: annotationMap.optional(),
  externalURL: vendorUrl.optional(),
  groupKey: z.string().min(1).max(4000),
  truncatedAlerts: z.number().int().min(0).optional(),
};

const alertmanagerAlertSchema = z.object(alertmanagerAlertFields);

/**
 * The `version` a sender put in its body, for an error message: short scalars as JSON, anything
 * else by its kind. Never `JSON.stringify` of the whole value: that echoes a 1 MB string back
 * and throws (stack overflow, a 500) on a deeply nested array.
 */
export function describeSentVersion(input: unknown): string {
  if (typeof input === 'string') return input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}… (${input.length} characters)` : JSON.stringify(input);
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return String(input);
  return Array.isArray(input) ? 'an array' : typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

export const alertmanagerSchema = z.object({
  version: z.literal('4', {
    error: (issue) =>
      issue.input === undefined
        ? 'required: Alertmanager webhook payload version "4"'
        : `unsupported Alertmanager webhook payload version ${describeSentVersion(issue.input)}: only "4" is accepted`,
  }),
  ...alertmanagerGroupFields,
  alerts: z.array(alertmanagerAlertSchema).max(MAX_ALERTS),
});

export type AlertmanagerPayload = z.infer<typeof alertmanagerSchema>;
export type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

// ---------------------------------------------------------------------------------------------
// Helpers shared with grafana.ts

/** The URL if it is http(s), else undefined: a bad vendor link is dropped, never fatal. */
export function safeLink(url: string | undefined | null): string | undefined {
  if (!url) return undefined;
  const trimmed = url.trim();
  return trimmed && httpUrl.safeParse(trimmed).success ? trimmed : undefined;
}

/** A labelled link list without the entries whose URL is missing or not http(s). */
export function safeLinks(candidates: [label: string, url: string | undefined | null][]): AlertLink[] {
  const links: AlertLink[] = [];
  for (const [label, url] of candidates) {
    const safe = safeLink(url);
    if (safe) links.push({ label, url: safe });
  }
  return links;
}

/** Trimmed and non-empty, else undefined. */
export function nonBlank(s: string | undefined | null): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/** `annotations.summary`, else `labels.alertname`, else `fallback`; one line. */
export function alertTitle(annotations: Record<string, string>, labels: Record<string, string>, fallback: string): string {
  const raw = nonBlank(annotations.summary) ?? nonBlank(labels.alertname) ?? fallback;
  return oneLine(raw.trim());
}

/** `labels.service`, else `labels.job`, else `labels.app`. */
export function serviceFromLabels(labels: Record<string, string>): string | undefined {
  const s = nonBlank(labels.service) ?? nonBlank(labels.job) ?? nonBlank(labels.app);
  return s === undefined ? undefined : s.slice(0, 200);
}

/** Alertmanager's zero time, and anything before 1971, means "not set". */
function meaningfulTime(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) || t < Date.UTC(1971, 0, 1) ? undefined : new Date(t).toISOString();
}

/** Fingerprint as sent, else a hash of the sorted labels (which is what Alertmanager hashes). */
export function alertFingerprint(source: string, fingerprint: string | undefined, labels: Record<string, string>): string {
  const given = nonBlank(fingerprint);
  if (given) return given;
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`);
  return shortHash(source, ...parts);
}

/** Everything an Alertmanager-style alert becomes, save the source-specific links. */
export function normalizeAlertmanagerStyleAlert(
  source: 'alertmanager' | 'grafana',
  group: string,
  a: AlertmanagerAlert,
  now: Date,
  extra: { links?: AlertLink[] } = {},
): Alert {
  const annotations = a.annotations ?? {};
  const labels = a.labels;
  const status: AlertStatus = a.status;
  const service = serviceFromLabels(labels);
  const description = nonBlank(annotations.description);
  const link = safeLink(a.generatorURL);
  const runbookUrl = safeLink(annotations.runbook_url);
  const endsAt = status === 'resolved' ? (meaningfulTime(a.endsAt) ?? now.toISOString()) : undefined;
  return {
    source,
    fingerprint: alertFingerprint(source, a.fingerprint, labels),
    group,
    status,
    title: alertTitle(annotations, labels, source === 'grafana' ? 'Grafana alert' : 'Alertmanager alert'),
    severity: severityFromWord(labels.severity),
    ...(service ? { service } : {}),
    ...(description ? { description } : {}),
    ...(link ? { link } : {}),
    ...(runbookUrl ? { runbookUrl } : {}),
    ...(extra.links && extra.links.length > 0 ? { links: extra.links } : {}),
    labels: { ...labels },
    startsAt: meaningfulTime(a.startsAt) ?? toIso(undefined, now),
    ...(endsAt ? { endsAt } : {}),
  };
}

// ---------------------------------------------------------------------------------------------

export function normalizeAlertmanager(body: AlertmanagerPayload, now: Date): IntakeResult {
  const group = `alertmanager:${body.groupKey}`;
  const alerts = body.alerts.map((a) => normalizeAlertmanagerStyleAlert('alertmanager', group, a, now));
  return { alerts, ...(body.truncatedAlerts !== undefined ? { truncated: body.truncatedAlerts } : {}) };
}

export function parseAlertmanager(body: unknown) {
  return alertmanagerSchema.safeParse(body);
}

export const alertmanagerIntake: IntakeModule<AlertmanagerPayload> = {
  source: 'alertmanager',
  parse: parseAlertmanager,
  normalize: (body, ctx) => normalizeAlertmanager(body, ctx.now),
};

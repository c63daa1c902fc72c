/**
 * The shapes every part of Beacon agrees on. Pure types, their zod schemas and tiny helpers
 * only: nothing here imports Slack, BullMQ, Redis or HTTP code.
 */
import { z } from 'zod';

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
/** `sev1` is the worst. */
export type Severity = (typeof SEVERITIES)[number];

/** The sources with a `/webhooks/<source>` route and an intake module of their own. */
export const ALERT_SOURCES = ['alertmanager', 'grafana', 'datadog', 'pagerduty', 'generic'] as const;
export type WebhookSource = (typeof ALERT_SOURCES)[number];
/**
 * Every source an alert can come from: the webhooks, the APIs Beacon speaks as the originals do
 * (PagerDuty Events v2, Opsgenie's Alert API), and Beacon's own probes.
 */
export const SOURCES = [...ALERT_SOURCES, 'pagerduty-events', 'opsgenie', 'probe'] as const;
export type AlertSource = (typeof SOURCES)[number];

/**
 * What one alert says, whatever sent it. `acknowledged` only comes from PagerDuty
 * (`incident.acknowledged`), where the sender itself tracks acknowledgement.
 */
export type AlertStatus = 'firing' | 'resolved' | 'acknowledged';

export const alertLinkSchema = z.object({ label: z.string(), url: z.string() });
export type AlertLink = z.infer<typeof alertLinkSchema>;

/**
 * One normalized alert, the unit every intake module produces. The schema is the type's single
 * source: the `alert.received` job validates with it, and `Alert` is inferred from it.
 */
export const alertSchema = z.object({
  source: z.enum(SOURCES),
  /** Identity of this alert within its source: repeats share it. */
  fingerprint: z.string().min(1),
  /** Alerts of one group share one incident. Already prefixed with the source. */
  group: z.string().min(1),
  status: z.enum(['firing', 'resolved', 'acknowledged']),
  /** One line. Untrusted: escape before it reaches Slack. */
  title: z.string(),
  severity: z.enum(SEVERITIES),
  service: z.string().optional(),
  description: z.string().optional(),
  /** The main link back to the sender (generatorURL, dashboard, PagerDuty incident). */
  link: z.string().optional(),
  runbookUrl: z.string().optional(),
  /** Further links worth a click (silence, panel, dashboard). */
  links: z.array(alertLinkSchema).optional(),
  labels: z.record(z.string(), z.string()),
  /** ISO 8601: when the condition started, per the sender. */
  startsAt: z.string(),
  /** ISO 8601: when it ended, only for resolved alerts. */
  endsAt: z.string().optional(),
});
export type Alert = z.infer<typeof alertSchema>;

/** What an intake module makes of one webhook body. */
export interface IntakeResult {
  alerts: Alert[];
  /** Alerts the sender says it left out of this body (Alertmanager `truncatedAlerts`). */
  truncated?: number;
}

export const CHANGE_KINDS = ['deploy', 'config', 'credentials', 'feature_flag', 'infra'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A deploy or configuration change, as `/webhooks/changes` takes it (the schema is the type's source). */
export const changeEventSchema = z.object({
  /** Stable id: a hash of the event's content, so a retried delivery is stored once. */
  id: z.string(),
  service: z.string(),
  kind: z.enum(CHANGE_KINDS),
  summary: z.string(),
  author: z.string().optional(),
  link: z.string().optional(),
  version: z.string().optional(),
  /** ISO 8601 */
  at: z.string(),
});
export type ChangeEvent = z.infer<typeof changeEventSchema>;

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Maps the words monitoring tools use to Beacon's four severities. */
export function severityFromWord(word: string | undefined, fallback: Severity = 'sev3'): Severity {
  if (!word) return fallback;
  const w = word.trim().toLowerCase();
  switch (w) {
    case 'sev1': case 'sev-1': case 'p1': case '1': case 'critical': case 'crit': case 'fatal': case 'emergency': case 'page':
      return 'sev1';
    case 'sev2': case 'sev-2': case 'p2': case '2': case 'high': case 'error': case 'major':
      return 'sev2';
    case 'sev3': case 'sev-3': case 'p3': case '3': case 'warning': case 'warn': case 'medium': case 'moderate': case 'minor':
      return 'sev3';
    case 'sev4': case 'sev-4': case 'p4': case 'p5': case '4': case '5': case 'info': case 'low': case 'notice': case 'none':
      return 'sev4';
    default:
      return fallback;
  }
}

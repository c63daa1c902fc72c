/**
 * The shapes every part of Beacon agrees on. Pure types and tiny helpers only:
 * nothing here imports Slack, BullMQ, Redis or HTTP code.
 */

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
/** `sev1` is the worst. */
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_SOURCES = ['alertmanager', 'grafana', 'datadog', 'pagerduty', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

/**
 * What one alert says, whatever sent it. `acknowledged` only comes from PagerDuty
 * (`incident.acknowledged`), where the sender itself tracks acknowledgement.
 */
export type AlertStatus = 'firing' | 'resolved' | 'acknowledged';

export interface AlertLink {
  label: string;
  url: string;
}

/** One normalized alert, the unit every intake module produces. */
export interface Alert {
  source: AlertSource;
  /** Identity of this alert within its source: repeats share it. */
  fingerprint: string;
  /** Alerts of one group share one incident. Already prefixed with the source. */
  group: string;
  status: AlertStatus;
  /** One line. Untrusted: escape before it reaches Slack. */
  title: string;
  severity: Severity;
  service?: string;
  description?: string;
  /** The main link back to the sender (generatorURL, dashboard, PagerDuty incident). */
  link?: string;
  runbookUrl?: string;
  /** Further links worth a click (silence, panel, dashboard). */
  links?: AlertLink[];
  labels: Record<string, string>;
  /** ISO 8601: when the condition started, per the sender. */
  startsAt: string;
  /** ISO 8601: when it ended, only for resolved alerts. */
  endsAt?: string;
}

/** What an intake module makes of one webhook body. */
export interface IntakeResult {
  alerts: Alert[];
  /** Alerts the sender says it left out of this body (Alertmanager `truncatedAlerts`). */
  truncated?: number;
}

export const CHANGE_KINDS = ['deploy', 'config', 'credentials', 'feature_flag', 'infra'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A deploy or configuration change, as `/webhooks/changes` takes it. */
export interface ChangeEvent {
  /** Stable id: a hash of the event's content, so a retried delivery is stored once. */
  id: string;
  service: string;
  kind: ChangeKind;
  summary: string;
  author?: string;
  link?: string;
  version?: string;
  /** ISO 8601 */
  at: string;
}

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

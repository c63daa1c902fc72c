/**
 * Which runbook an alert opens with. Pure.
 */
import type { Runbook } from './format.js';

/** What matching looks at; a normalized `Alert` fits. */
export interface MatchableAlert {
  service?: string;
  /** Falls back to `labels.alertname` (Alertmanager, Grafana). */
  alertname?: string;
  labels: Record<string, string>;
}

/** What a runbook matched on, most specific first. */
export type MatchedOn = 'labels' | 'alertname' | 'service' | 'default';

export interface RunbookMatchResult {
  runbook: Runbook;
  matchedOn: MatchedOn;
}

/**
 * Every runbook that applies to the alert, best first. A runbook applies when every field of
 * its `match` holds: `service` and `alertname` when the alert's value is one of the listed ones
 * (exact, case-sensitive), `labels` when the alert carries each label with exactly that value.
 * The most specific wins: one matching on labels beats one on alertname, which beats one on
 * service, which beats the default; among equals more labels, then more matched fields
 * (alertname, service), then the name (alphabetical) decide. A runbook without `match` that is not the default is only ever
 * opened by name.
 */
export function rankRunbooks(runbooks: readonly Runbook[], alert: MatchableAlert): RunbookMatchResult[] {
  const service = alert.service ?? alert.labels.service;
  const alertname = alert.alertname ?? alert.labels.alertname;
  const scored: { result: RunbookMatchResult; key: number[] }[] = [];
  for (const rb of runbooks) {
    const m = rb.match;
    const labelKeys = Object.keys(m.labels);
    const hasMatch = m.service.length > 0 || m.alertname.length > 0 || labelKeys.length > 0;
    if (!hasMatch) {
      if (rb.default) scored.push({ result: { runbook: rb, matchedOn: 'default' }, key: [0, 0, 0, 0] });
      continue;
    }
    if (m.service.length > 0 && (service === undefined || !m.service.includes(service))) continue;
    if (m.alertname.length > 0 && (alertname === undefined || !m.alertname.includes(alertname))) continue;
    if (!labelKeys.every((k) => Object.hasOwn(alert.labels, k) && alert.labels[k] === m.labels[k])) continue;
    const hasLabels = labelKeys.length > 0 ? 1 : 0;
    const hasAlertname = m.alertname.length > 0 ? 1 : 0;
    const hasService = m.service.length > 0 ? 1 : 0;
    const matchedOn: MatchedOn = hasLabels ? 'labels' : hasAlertname ? 'alertname' : 'service';
    // Compared left to right: tier (labels > alertname > service), then more labels, then
    // extra fields that also had to hold (labels + alertname beats labels alone).
    scored.push({ result: { runbook: rb, matchedOn }, key: [1, hasLabels, labelKeys.length, hasAlertname, hasService] });
  }
  scored.sort((a, b) => {
    for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
      const d = (b.key[i] ?? 0) - (a.key[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.result.runbook.name < b.result.runbook.name ? -1 : a.result.runbook.name > b.result.runbook.name ? 1 : 0;
  });
  return scored.map((s) => s.result);
}

/** The runbook an alert opens with, or `undefined` when none applies and there is no default. */
export function matchRunbook(runbooks: readonly Runbook[], alert: MatchableAlert): Runbook | undefined {
  return rankRunbooks(runbooks, alert)[0]?.runbook;
}

/** The runbook of that name (as typed after `/incident runbook`: trimmed, any case). */
export function findRunbook(runbooks: readonly Runbook[], name: string): Runbook | undefined {
  const wanted = name.trim().toLowerCase();
  return runbooks.find((rb) => rb.name === wanted);
}

/**
 * What makes a check a probe: `every` (already in milliseconds once the runbook is parsed), and
 * how many failures and passes in a row raise and resolve its alert. Read by whoever schedules
 * probes; nothing in this module runs them.
 */
import type { RunbookCheck } from '../format.js';

/** A probe's schedule and thresholds, defaults filled in. */
export interface ProbeSettings {
  everyMs: number;
  /** Failures in a row before the alert is raised. */
  openAfter: number;
  /** Passes in a row before it resolves. */
  closeAfter: number;
  /** The alert's title, when the runbook gives one. */
  title?: string;
  /** The alert's service, when the check names one (else the runbook's `match.service`). */
  service?: string;
}

export const DEFAULT_OPEN_AFTER = 2;
export const DEFAULT_CLOSE_AFTER = 2;

/** The probe a check is (it has `every`), or undefined for a check that runs only in an incident. */
export function probeSettings(check: RunbookCheck): ProbeSettings | undefined {
  if (check.type === 'recent_changes' || check.every === undefined) return undefined;
  return {
    everyMs: check.every,
    openAfter: check.open_after ?? DEFAULT_OPEN_AFTER,
    closeAfter: check.close_after ?? DEFAULT_CLOSE_AFTER,
    ...(check.title ? { title: check.title } : {}),
    ...(check.service ? { service: check.service } : {}),
  };
}

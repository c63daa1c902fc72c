/**
 * What a runbook check reads and what it finds. Results are domain values: they are stored on
 * the checklist and the timeline, and any renderer may show them.
 */
import type { ChangeEvent } from '../../domain.js';

/** `pass`, `fail` (look here) or `error` (the check could not run); see `CheckResult`. */
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
  /** Where `http` header values written `{ env: NAME }` come from (the Beacon process's environment). */
  env: NodeJS.ProcessEnv;
  /** `ChangeStore` fits: changes of a service between two times, newest first. */
  changes: { between(service: string, from: Date, to: Date): Promise<ChangeEvent[]> };
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Certificate authorities the `http` check's certificate read (`tls_days`) trusts instead of
   * the system's: for tests with a self-signed certificate (give them a `fetch` that trusts it
   * too). Nothing in a runbook can turn certificate verification off.
   */
  tlsCa?: string | Buffer | (string | Buffer)[];
}

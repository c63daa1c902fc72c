/**
 * Runs a runbook's automated checks. No Slack, no Redis of its own: the change store and
 * `fetch` come in through the context, so tests and the worker can pass their own.
 *
 * `runCheck` never throws: whatever goes wrong becomes a result with status `error`. Secret
 * header values never appear in a result: nothing here logs, and every string of a result is
 * scrubbed of every value the check read (from the environment or a file) before it is
 * returned. Each check bounds its own wait (`http`, `tcp` and `dns` by their `timeout_ms`;
 * `recent_changes` by the change store's).
 */
import type { Runbook, RunbookCheck } from '../format.js';
import { dnsCheck } from './dns.js';
import { httpCheck } from './http.js';
import { recentChanges } from './recent-changes.js';
import { errorText, scrubResult } from './scrub.js';
import { tcpCheck } from './tcp.js';
import type { CheckContext, CheckResult } from './types.js';

/** Runs one check. Never throws; never returns a secret header value. */
export async function runCheck(check: RunbookCheck, ctx: CheckContext): Promise<CheckResult> {
  // Filled by the check as it reads each secret, so even a throw after the read is scrubbed.
  const secrets: string[] = [];
  let result: CheckResult;
  try {
    result = await runByType(check, ctx, secrets);
  } catch (err) {
    result = { status: 'error', summary: `check failed: ${errorText(err)}` };
  }
  return scrubResult(result, secrets);
}

function runByType(check: RunbookCheck, ctx: CheckContext, secrets: string[]): Promise<CheckResult> {
  switch (check.type) {
    case 'recent_changes':
      return recentChanges(check, ctx);
    case 'http':
      return httpCheck(check, ctx, secrets);
    case 'tcp':
      return tcpCheck(check);
    case 'dns':
      return dnsCheck(check);
  }
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

/**
 * Which runbooks `beacon check` runs: those named with `--runbook`, and those of the service
 * given with `--service`, or all of them. Pure.
 */
import type { Runbook } from '../runbooks/format.js';
import { findRunbook, matchRunbook } from '../runbooks/match.js';
import { ok, refuse, type Result } from '../result.js';

export interface Selected {
  runbook: Runbook;
  /** The service the checks look at (a `recent_changes` check without its own `service`). */
  service?: string;
}

export type Selection = Result<{ selected: Selected[]; notes: string[] }>;

/**
 * `--runbook` names are looked up as `/incident runbook` does (any case). `--service` takes
 * every runbook whose `match.service` lists the service (also those that need labels or an
 * alert name besides); when none does, the runbook an alert of that service would open with
 * (the default one), said in a note. A runbook named twice runs once. With neither, every
 * runbook, each on the first service it matches.
 */
export function selectRunbooks(runbooks: readonly Runbook[], want: { names: readonly string[]; service?: string }): Selection {
  const out: Selected[] = [];
  const notes: string[] = [];
  const every = want.names.length === 0 && want.service === undefined;
  const add = (runbook: Runbook) => {
    if (out.some((s) => s.runbook.name === runbook.name)) return;
    const service = want.service ?? runbook.match.service[0];
    out.push({ runbook, ...(service !== undefined ? { service } : {}) });
  };
  if (every) for (const rb of runbooks) add(rb);
  for (const name of want.names) {
    const rb = findRunbook(runbooks, name);
    if (!rb) return refuse(`no runbook named ${JSON.stringify(name)} (there are: ${names(runbooks)})`);
    add(rb);
  }
  if (want.service !== undefined) {
    const service = want.service;
    const listing = runbooks.filter((rb) => rb.match.service.includes(service));
    for (const rb of listing) add(rb);
    if (listing.length === 0) {
      const fallback = matchRunbook(runbooks, { service, labels: {} });
      if (!fallback) return refuse(`no runbook matches service ${JSON.stringify(service)} and there is no default runbook`);
      notes.push(`no runbook lists service ${JSON.stringify(service)}; checking the runbook its alerts would open with: ${fallback.name}`);
      add(fallback);
    }
  }
  return ok({ selected: out, notes });
}

function names(runbooks: readonly Runbook[]): string {
  return runbooks.length ? runbooks.map((r) => r.name).join(', ') : 'none';
}

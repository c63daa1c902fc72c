/**
 * The `recent_changes` check: what Beacon was told changed before the incident (through
 * `/webhooks/changes`), credentials and config changes called out first.
 */
import type { ChangeEvent } from '../../domain.js';
import { changeKindLabel } from '../../words.js';
import type { RecentChangesCheck } from '../format.js';
import { isRiskyChange, orderChanges } from './change-order.js';
import { clip, errorText, MAX_DETAILS } from './scrub.js';
import type { CheckContext, CheckResult } from './types.js';
import { formatHours, relativeToStart } from './words.js';

/** Fails on a credentials or config change in the window before the start; passes otherwise. */
export async function recentChanges(check: RecentChangesCheck, ctx: CheckContext): Promise<CheckResult> {
  const service = check.service ?? ctx.service;
  const hours = check.hours ?? 6;
  if (!service) {
    return {
      status: 'error',
      summary: 'no service to look at: the incident has none; give the check a `service`',
    };
  }
  const start = ctx.incidentStart.getTime() <= ctx.now.getTime() ? ctx.incidentStart : ctx.now;
  const from = new Date(start.getTime() - hours * 3600 * 1000);
  let found: ChangeEvent[];
  try {
    found = await ctx.changes.between(service, from, ctx.now);
  } catch (err) {
    return { status: 'error', summary: `could not read the recorded changes: ${errorText(err)}` };
  }
  const window = `${formatHours(hours)} before this started`;
  if (found.length === 0) {
    return {
      status: 'pass',
      summary: `No deploys or config changes recorded for ${service} in the ${window}`,
      details: ['Only what reached /webhooks/changes is known here: check your deploy tool too.'],
    };
  }
  const ordered = orderChanges(found);
  const risky = ordered.filter(isRiskyChange);
  const details = ordered.slice(0, MAX_DETAILS).map((c) => changeLine(c, ctx.incidentStart));
  if (ordered.length > MAX_DETAILS) details.push(`… and ${ordered.length - MAX_DETAILS} more`);
  const count = `${found.length} change${found.length === 1 ? '' : 's'} to ${service} in the ${window}`;
  const first = risky[0];
  if (first) {
    const more = risky.length > 1 ? ` (+${risky.length - 1} more credentials/config change${risky.length > 2 ? 's' : ''})` : '';
    return {
      status: 'fail',
      summary: clip(`⚠️ ${changeKindLabel(first.kind)} ${relativeToStart(first.at, ctx.incidentStart)}: ${first.summary}${more}`),
      details: [count, ...details],
    };
  }
  const newest = ordered[0];
  return {
    status: 'pass',
    summary: clip(
      `No credentials or config changes; ${count}${newest ? `, latest: ${changeKindLabel(newest.kind)} ${relativeToStart(newest.at, ctx.incidentStart)}: ${newest.summary}` : ''}`,
    ),
    details,
  };
}

function changeLine(c: ChangeEvent, start: Date): string {
  const who = c.author ? ` (${c.author})` : '';
  const version = c.version ? ` [${c.version}]` : '';
  return clip(`${isRiskyChange(c) ? '⚠️ ' : ''}${changeKindLabel(c.kind)} ${relativeToStart(c.at, start)}: ${c.summary}${version}${who}`);
}

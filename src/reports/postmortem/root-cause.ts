import type { ChangeKind } from '../../domain.js';
import type { TimelineEvent } from '../../timeline/events.js';
import { mdLine } from '../describe.js';
import { changeCandidate, sortedEvents, stamp, TODO, type Draft } from './draft.js';
import { CHANGE_WINDOW_MS } from './input.js';

/** Changes of these kinds are the ones that broke the seed incident: always named as candidates. */
const RISKY_KINDS: ReadonlySet<ChangeKind> = new Set(['credentials', 'config']);

/**
 * The root-cause prompt. The seed's lesson: 45 minutes went into restarting servers while a
 * credentials change made 12 minutes before the alert went unexamined. So the changes before
 * detection are named here, credentials and config changes called out, as candidates to rule out,
 * never as a conclusion.
 */
export function rootCausePrompt(dr: Draft, ask: string, hintFix: boolean): string[] {
  const { inc, before, fmt } = dr;
  const out = [TODO(ask)];
  out.push('>');
  if (before.length) {
    out.push(`> Changes in the ${CHANGE_WINDOW_MS / 3600_000} hours before detection (candidates to rule in or out):`);
    for (const c of before) out.push(`> - ${changeCandidate(c, inc.detectedAt)}`);
    const risky = before.filter((c) => RISKY_KINDS.has(c.kind));
    if (risky.length) {
      out.push(
        '>',
        `> ${risky.length === 1 ? 'One of them changed' : `${risky.length} of them changed`} credentials or configuration: ${risky.map((c) => `"${mdLine(c.summary)}" (${c.kind})`).join(', ')}. Check ${risky.length === 1 ? 'it' : 'them'} first.`,
      );
    }
  } else {
    out.push(`> Beacon recorded no changes${inc.service ? ` to ${mdLine(inc.service)}` : ''} in the ${CHANGE_WINDOW_MS / 3600_000} hours before detection.`);
  }
  if (!hintFix) return out;
  if (inc.resolution) out.push('>', `> What fixed it, as recorded at resolution: "${mdLine(inc.resolution)}"${fmt.who(inc.resolvedBy) ? ` (${fmt.who(inc.resolvedBy)})` : ''}.`);
  else if (inc.mitigation) out.push('>', `> What mitigated it: "${mdLine(inc.mitigation)}".`);
  return out;
}

/** `## Root Cause and Resolution`: the full prompt, what changed meanwhile, mitigation, resolution. */
export function rootCauseSection(dr: Draft): string[] {
  return [
    '## Root Cause and Resolution',
    '',
    '**Root Cause:**',
    '',
    ...rootCausePrompt(dr, 'explain the root cause: what failed, why, and why it was not caught sooner.', false),
    ...changedDuringLines(dr),
    '',
    ...mitigationLines(dr),
    ...resolutionLines(dr),
  ];
}

/** Changes made while the incident was open: a fix, or something that made it worse. */
function changedDuringLines(dr: Draft): string[] {
  if (!dr.during.length) return [];
  return ['', 'Changes made while the incident was open:', '', ...dr.during.map((c) => `- ${changeCandidate(c, dr.inc.detectedAt)}`)];
}

/** What the team recorded as the mitigation, or a prompt when they marked it without saying. */
function mitigationLines(dr: Draft): string[] {
  const { inc, fmt } = dr;
  if (!inc.mitigatedAt) return [];
  const mitigatedBy = lastActor(dr.input.timeline, 'mitigated');
  const when = `${stamp(inc.mitigatedAt, inc.detectedAt)}${mitigatedBy ? ` by ${fmt.who(mitigatedBy)}` : ''}`;
  return [
    '**Mitigation:**',
    '',
    ...(inc.mitigation ? [`${mdLine(inc.mitigation)} (${when})`] : [`Marked mitigated ${when}.`, '', TODO('describe what was done to mitigate.')]),
    '',
  ];
}

/** What the team recorded as the fix, or a prompt; nothing is claimed while the incident is open. */
function resolutionLines(dr: Draft): string[] {
  const { inc, fmt } = dr;
  const out = ['**Resolution:**', ''];
  if (dr.resolved === undefined) out.push('_The incident is not resolved yet._');
  else {
    const when = `${stamp(inc.resolvedAt!, inc.detectedAt)}${inc.resolvedBy ? ` by ${fmt.who(inc.resolvedBy)}` : ''}`;
    if (inc.resolution) out.push(`${mdLine(inc.resolution)} (${when})`);
    else out.push(`Resolved ${when}.`, '', TODO('describe what fixed it, and how you confirmed it was fixed.'));
  }
  out.push('');
  return out;
}

function lastActor(timeline: TimelineEvent[], kind: TimelineEvent['kind']): string | undefined {
  return sortedEvents(timeline).filter((e) => e.kind === kind).at(-1)?.actor;
}

import type { AlertRecord } from '../../incidents/store.js';
import { mdLine } from '../describe.js';
import { utcClock, utcDay } from '../time.js';
import { TODO, type Draft } from './draft.js';
import { durationLines, metricsLines } from './metrics.js';
import { rolesLines } from './roles.js';
import { rootCausePrompt } from './root-cause.js';

/** `# Postmortem: <title>` and the line saying what the draft is and who must finish it. */
export function headerLines(dr: Draft): string[] {
  const { inc, now, fmt } = dr;
  const meta = [
    `Incident #${inc.number}`,
    `${inc.severity.toUpperCase()}`,
    ...(inc.service ? [`service ${mdLine(inc.service)}`] : []),
    ...(inc.lead ? [`lead ${fmt.who(inc.lead)}`] : []),
    `status ${inc.status}`,
  ];
  return [
    // A drill's postmortem says so in its title: practice, not a real incident.
    `# ${inc.drill ? 'DRILL · ' : ''}Postmortem: ${mdLine(inc.title) || `incident #${inc.number}`}`,
    '',
    `_${meta.join(' · ')}. Draft written by Beacon on ${utcDay(now)}, ${utcClock(now)} UTC from the incident's timeline; every "TODO (team)" needs a person._`,
    '',
  ];
}

/** `## Issue Summary`: duration, impact, root cause in one sentence, metrics. */
export function issueSummarySection(dr: Draft): string[] {
  return [
    '## Issue Summary',
    '',
    ...durationLines(dr),
    ...impactLines(dr.input.alerts),
    '**Root Cause:**',
    '',
    ...rootCausePrompt(dr, 'state the root cause in one sentence: what failed, and why.', true),
    '',
    ...metricsLines(dr),
    ...rolesLines(dr),
  ];
}

/** Impact is the team's to state; what Beacon saw (the alerts) is offered as a starting point. */
function impactLines(alerts: AlertRecord[]): string[] {
  const out = ['**Impact:**', '', TODO('describe the impact on users: who, how many, for how long.')];
  const signals = alertSignals(alerts);
  if (signals) out.push('>', `> What Beacon saw: ${signals}`);
  out.push('');
  return out;
}

/** `alerts "A", "B", "C" and 2 more.`: the first three to start. */
function alertSignals(alerts: AlertRecord[]): string {
  if (!alerts.length) return '';
  const top = [...alerts].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt)).slice(0, 3);
  const more = alerts.length - top.length;
  return `${alerts.length === 1 ? 'alert' : 'alerts'} ${top.map((a) => `"${mdLine(a.title)}"`).join(', ')}${more > 0 ? ` and ${more} more` : ''}.`;
}

import type { ServerResponse } from 'node:http';
import { durations, type Incident } from '../../incidents/model.js';
import { gatherPostmortem } from '../../reports/gather.js';
import { renderPostmortem } from '../../reports/postmortem.js';
import { capitalize, formatDuration } from '../../words.js';
import type { SignedIn, WebAuth } from '../auth/types.js';
import { html, safeHref, type Html } from '../html.js';
import { sendPage } from '../page.js';
import type { WebSources } from '../sources.js';
import { canSee } from './access.js';
import { displayNames } from './names.js';
import { marks, notFound, personName, sevBadge, shortTitle, statusText, timeEl } from './parts.js';
import { alertsSection, changesSection, checklistSection, postmortemSection, timelineSection } from './sections.js';

/**
 * `GET /incidents/<id>`: one incident as its card shows it (status, severity, service, lead and
 * every role, the times and how long each took), then its timeline, checklist, alerts, changes and
 * the postmortem draft. An unknown id and a private incident the viewer is no member of get the
 * same 404: the page never tells that it exists.
 */
export async function incidentPage(src: WebSources, auth: WebAuth, who: SignedIn, res: ServerResponse, id: string): Promise<void> {
  const first = await src.incidents.get(id);
  if (!first || !(await canSee(auth, who.viewer, first))) return notFound(res, who);
  const now = src.now();
  const [input, checklist] = await Promise.all([gatherPostmortem(src, id, now), src.checklists.state(id)]);
  if (!input) return notFound(res, who);
  const inc = input.incident;
  const tickers = Object.values(checklist.byRunbook).flatMap((r) => Object.values(r.ticks).map((t) => t.by));
  const known = input.users ?? {};
  const more = await displayNames(src, [...tickers, inc.lastUpdateBy].filter((u) => u && !known[u]));
  const users = { ...known, ...more };
  sendPage(res, {
    title: shortTitle(`#${inc.number} ${inc.title}`),
    nav: 'incidents',
    viewer: who,
    scripts: ['localtime'],
    body: html`<article class="incident">${head(inc)}${stateSection(inc, users, now)}${timelineSection(input.timeline, users)}${checklistSection(
      checklist,
      src.runbooks(),
      users,
    )}${alertsSection(input.alerts)}${changesSection(input.changes, inc.service)}${postmortemSection(inc.id, renderPostmortem({ ...input, users }))}</article>`,
  });
}

function head(inc: Incident): Html {
  return html`<header class="inc-head"><p class="eyebrow"><a href="/incidents${inc.drill ? '?kind=drill' : ''}">${inc.drill ? 'Drills' : 'Incidents'}</a> <span>#${inc.number}</span>${marks(inc)}</p><h1>${inc.title}</h1><p class="big-status st-${inc.status}">${statusText(inc.status)}</p>${sevBadge(inc.severity, true)}</header>`;
}

const fact = (label: string, value: Html | string) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;

/** A milestone: when, how long after detection, and by whom. */
function milestone(at: string | undefined, after: number | undefined, by: string | undefined, users: Record<string, string>): Html {
  if (!at) return html`—`;
  return html`${timeEl(at)}<span class="after"> after ${formatDuration(after)}${by ? ` by ${personName(users, by)}` : ''}</span>`;
}

function stateSection(inc: Incident, users: Record<string, string>, now: Date): Html {
  const d = durations(inc, now);
  const roles = Object.entries(inc.roles ?? {}).filter(([role]) => role !== 'lead');
  const facts = [
    fact('Severity', sevBadge(inc.severity, true)),
    fact('Service', inc.service ?? '—'),
    fact('Lead', personName(users, inc.lead)),
    ...roles.map(([role, holder]) => fact(capitalize(role), personName(users, holder))),
    fact('Channel', inc.slack.channelName ? `#${inc.slack.channelName}` : '—'),
    fact(inc.origin === 'declared' ? 'Declared' : 'Detected', html`${timeEl(inc.detectedAt)}${inc.declaredBy ? html`<span class="after"> by ${personName(users, inc.declaredBy)}</span>` : ''}`),
    fact('Acknowledged', milestone(inc.acknowledgedAt, d.toAcknowledge, inc.acknowledgedBy, users)),
    fact('Mitigated', milestone(inc.mitigatedAt, d.toMitigate, undefined, users)),
    fact('Resolved', milestone(inc.resolvedAt, d.toResolve, inc.resolvedBy, users)),
    fact(inc.resolvedAt ? 'Duration' : 'Open for', formatDuration(d.elapsed)),
    ...(inc.runbook ? [fact('Runbook', inc.runbook)] : []),
  ];
  const text = (label: string, value: string | undefined, extra?: Html) => (value ? html`<h3>${label}${extra ?? ''}</h3><p class="prose">${value}</p>` : '');
  const links = [...(inc.link ? [{ label: 'Alert source', url: inc.link }] : []), ...inc.links];
  return html`<section aria-labelledby="state"><h2 id="state">State</h2><dl class="facts">${facts}</dl>${text('Description', inc.description)}${text(
    'Latest update',
    inc.lastUpdate,
    html` <span class="muted">${inc.lastUpdateAt ? html`at ${timeEl(inc.lastUpdateAt)}` : ''}${inc.lastUpdateBy ? ` by ${personName(users, inc.lastUpdateBy)}` : ''}</span>`,
  )}${text('Mitigation', inc.mitigation)}${text('Resolution', inc.resolution)}${
    links.length ? html`<h3>Links</h3><ul>${links.map((l) => html`<li><a href="${safeHref(l.url)}" rel="nofollow noopener noreferrer">${l.label}</a></li>`)}</ul>` : ''
  }</section>`;
}

import type { ChangeEvent } from '../../domain.js';
import type { AlertRecord } from '../../incidents/store.js';
import { describeEvent, changeHeading, mdLine } from '../../reports/describe.js';
import { sortedEvents } from '../../reports/postmortem/draft.js';
import type { ChecklistState } from '../../runbooks/checklist-store.js';
import type { Runbook } from '../../runbooks/format.js';
import type { EventFormat, TimelineEvent } from '../../timeline/events.js';
import { capitalize } from '../../words.js';
import { html, safeHref, type Html } from '../html.js';
import { markdownHtml } from './markdown.js';
import { personName, sevBadge, timeEl } from './parts.js';

/** The sections of one incident's page below its state: timeline, checklist, alerts, changes, postmortem. */

const section = (id: string, title: string, body: Html) => html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}</section>`;

/** Timeline kinds as class names (`incident.opened` → `k-incident-opened`). */
const kindClass = (kind: string) => `k-${kind.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40)}`;

/** Every event a reader needs, in time order (ties in the order recorded), each described as the postmortem describes it. */
export function timelineSection(timeline: TimelineEvent[], users: Record<string, string>): Html {
  const fmt: EventFormat = { text: (s) => mdLine(s), who: (a) => personName(users, a) };
  const lines = sortedEvents(timeline).flatMap((ev) => {
    const text = describeEvent(ev, fmt);
    return text ? [{ ev, text }] : [];
  });
  const days = new Set(lines.map((l) => l.ev.at.slice(0, 10)));
  const clockOnly = days.size <= 1;
  const day = lines[0]?.ev.at.slice(0, 10);
  const note = clockOnly && day ? html`All times UTC, on ${day}.` : html`All times UTC.`;
  const body = lines.length
    ? html`<p class="muted">${note}<span class="zone-note"></span></p><ol class="timeline">${lines.map(
        (l) => html`<li class="${kindClass(String(l.ev.kind))}"><span class="when">${timeEl(l.ev.at, clockOnly ? 'clock' : 'full')}</span> ${l.text}</li>`,
      )}</ol>`
    : html`<p class="empty">Nothing recorded yet.</p>`;
  return section('timeline', 'Timeline', body);
}

/** Each attached runbook's steps: ticked or not, by whom and when, and the step's latest check result. */
export function checklistSection(state: ChecklistState, runbooks: readonly Runbook[], users: Record<string, string>): Html {
  const parts = state.runbooks.map((name) => {
    const rb = runbooks.find((r) => r.name === name);
    const s = state.byRunbook[name] ?? { ticks: {}, checks: {} };
    if (!rb) return html`<h3>${name}</h3><p class="muted">This runbook is no longer loaded; its steps cannot be shown.</p>`;
    const steps = rb.steps.map((step) => {
      const tick = s.ticks[step.id];
      const check = s.checks[step.id];
      const done = tick?.done === true;
      return html`<li class="${done ? 'done' : 'todo'}"><span class="box" aria-hidden="true">${done ? '✓' : '☐'}</span><span class="step"><span class="visually-hidden">${done ? 'Done: ' : 'Not done: '}</span>${step.text}</span>${
        tick?.by ? html`<span class="tick">${done ? 'ticked' : 'unticked'} by ${personName(users, tick.by)}${tick.at ? html` at ${timeEl(tick.at)}` : ''}</span>` : ''
      }${check ? html`<span class="tick check-${check.status}">check ${check.status}: ${check.summary}</span>` : ''}</li>`;
    });
    const done = rb.steps.filter((st) => s.ticks[st.id]?.done).length;
    return html`<h3>${rb.title} <span class="muted">(${done} of ${rb.steps.length} done)</span></h3><ul class="checklist">${steps}</ul>`;
  });
  return section('checklist', 'Checklist', parts.length ? html`${parts}` : html`<p class="empty">No runbook is attached.</p>`);
}

/** Every distinct alert: title (linked to its source), status, severity, how many notifications, first and last times. */
export function alertsSection(alerts: AlertRecord[]): Html {
  if (!alerts.length) return section('alerts', 'Alerts', html`<p class="empty">No alerts: this incident was declared.</p>`);
  const sorted = [...alerts].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  const rows = sorted.map(
    (a) =>
      html`<tr><td>${a.link ? html`<a href="${safeHref(a.link)}" rel="nofollow noopener noreferrer">${a.title}</a>` : a.title}</td><td>${a.status === 'firing' ? '🔥 firing' : capitalize(a.status)}</td><td>${sevBadge(a.severity)}</td><td>${a.count}</td><td>${timeEl(a.startsAt)}</td><td>${timeEl(a.endsAt)}</td></tr>`,
  );
  return section(
    'alerts',
    `Alerts (${alerts.length})`,
    html`<div class="table-wrap"><table class="plain"><thead><tr><th scope="col">Alert</th><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Seen</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
}

/** The changes to the incident's service around it (six hours before detection to the end), newest first. */
export function changesSection(changes: ChangeEvent[], service: string | undefined): Html {
  if (!changes.length) return section('changes', 'What changed', html`<p class="empty">${service ? `No recorded change to ${service} in the six hours before it started, or since.` : 'The incident names no service.'}</p>`);
  const items = changes.map(
    (c) =>
      html`<li><strong>${changeHeading(c.kind)}</strong> to ${c.service} at ${timeEl(c.at)}: ${c.link ? html`<a href="${safeHref(c.link)}" rel="nofollow noopener noreferrer">${c.summary}</a>` : c.summary}${
        c.author || c.version ? html` <span class="muted">(${[c.author, c.version].filter(Boolean).join(', ')})</span>` : ''
      }</li>`,
  );
  return section('changes', 'What changed', html`<ul class="changes">${items}</ul>`);
}

/** The postmortem draft, rendered, with its Markdown to download. */
export function postmortemSection(incidentId: string, markdown: string): Html {
  return section(
    'postmortem',
    'Postmortem draft',
    html`<p class="download"><a class="button" href="/incidents/${incidentId}/postmortem.md" download="postmortem-${incidentId}.md">Download the Markdown</a></p><div class="markdown">${markdownHtml(markdown, 1)}</div>`,
  );
}

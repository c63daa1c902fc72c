import type { ServerResponse } from 'node:http';
import { SEVERITIES } from '../../domain.js';
import { isOpen, type Incident } from '../../incidents/model.js';
import { capitalize, SEVERITY_LABEL } from '../../words.js';
import type { SignedIn, WebAuth } from '../auth/types.js';
import { html, type Html } from '../html.js';
import { sendPage } from '../page.js';
import type { WebSources } from '../sources.js';
import { visibleTo } from './access.js';
import { displayNames } from './names.js';
import { badRequest, durationText, marks, personName, sevBadge, statusText, timeEl } from './parts.js';
import { filterIncidents, ofKind, parseListQuery, queryParams, STATUS_FILTERS, type ListQuery } from './query.js';

/** Rows per page. */
export const PAGE_SIZE = 100;
/** The newest incidents the list reads (and searches); older ones are not listed. */
export const READ_LIMIT = 5000;

/**
 * `GET /incidents`: the incidents the viewer may see, open first, filtered by a GET form that
 * works without JavaScript. One pipelined read of the incidents, one membership lookup per private
 * channel and one round of name lookups for the page shown, all at once: no per-row waits.
 */
export async function listPage(src: WebSources, auth: WebAuth, who: SignedIn, res: ServerResponse, url: URL): Promise<void> {
  const parsed = parseListQuery(url);
  if (!parsed.ok) return badRequest(res, who, (parsed.issues ?? []).map((i) => `${i.field}: ${i.message}`));
  const q = parsed.value;
  const read = await src.incidents.listAll({ limit: READ_LIMIT });
  const visible = await visibleTo(auth, who.viewer, read);
  const found = filterIncidents(visible, q);
  const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
  const page = Math.min(q.page ?? 1, pages);
  const shown = found.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const users = await displayNames(src, shown.map((i) => i.lead));
  const now = src.now();
  const services = [...new Set([...ofKind(visible, q.kind).flatMap((i) => (i.service ? [i.service] : [])), ...(q.service ? [q.service] : [])])].sort();
  const drills = q.kind === 'drill';
  sendPage(res, {
    title: drills ? 'Drills' : 'Incidents',
    nav: 'incidents',
    viewer: who,
    scripts: ['localtime'],
    body: html`<h1>${drills ? 'Drills' : 'Incidents'}</h1>${filterForm(q, services)}${countLine(found, page, shown.length, read.length >= READ_LIMIT)}${
      shown.length ? table(shown, users, now) : html`<p class="empty">${visible.length ? 'Nothing matches these filters.' : 'No incidents yet.'}</p>`
    }${pager(q, page, pages)}`,
  });
}

function option(value: string, label: string, selected: boolean): Html {
  return html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
}

function filterForm(q: ListQuery, services: string[]): Html {
  return html`<form class="filters" method="get" action="/incidents"><label class="grow">Search titles <input type="search" name="q" value="${q.q ?? ''}" maxlength="200" placeholder="checkout, #12"></label><label>Status <select name="status">${option('', 'Any', !q.status)}${STATUS_FILTERS.map((s) =>
    option(s, s === 'open' ? 'Open (not resolved)' : capitalize(s), q.status === s),
  )}</select></label><label>Severity <select name="severity">${option('', 'Any', !q.severity)}${SEVERITIES.map((s) => option(s, SEVERITY_LABEL[s], q.severity === s))}</select></label><label>Service <select name="service">${option(
    '',
    'Any',
    !q.service,
  )}${services.map((s) => option(s, s, q.service === s))}</select></label><label>Kind <select name="kind">${option('', 'Incidents', q.kind !== 'drill')}${option('drill', 'Drills (practice)', q.kind === 'drill')}</select></label><button type="submit" class="primary">Filter</button><a class="button" href="/incidents">Clear</a></form>`;
}

function countLine(found: Incident[], page: number, shown: number, capped: boolean): Html {
  const open = found.filter(isOpen).length;
  const first = (page - 1) * PAGE_SIZE + 1;
  const range = found.length > shown ? ` Showing ${first}–${first + shown - 1}.` : '';
  return html`<p class="count">${found.length} ${found.length === 1 ? 'incident' : 'incidents'}, ${open} open.${range}${capped ? ` Only the newest ${READ_LIMIT} are searched.` : ''}</p>`;
}

function row(i: Incident, users: Record<string, string>, now: Date): Html {
  return html`<tr class="row-${i.severity}${isOpen(i) ? ' is-open' : ''}"><td class="num">#${i.number}</td><td class="title"><a href="/incidents/${i.id}">${i.title}</a>${marks(i)}</td><td data-label="Severity">${sevBadge(i.severity)}</td><td class="status st-${i.status}" data-label="Status">${statusText(i.status)}</td><td data-label="Service">${i.service ?? '—'}</td><td data-label="Lead">${personName(users, i.lead)}</td><td data-label="Started">${timeEl(i.detectedAt)}</td><td data-label="Duration">${durationText(i, now)}</td></tr>`;
}

function table(shown: Incident[], users: Record<string, string>, now: Date): Html {
  return html`<table class="list"><thead><tr><th scope="col">#</th><th scope="col">Title</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Service</th><th scope="col">Lead</th><th scope="col">Started (UTC)</th><th scope="col">Duration</th></tr></thead><tbody>${shown.map((i) => row(i, users, now))}</tbody></table>`;
}

function pager(q: ListQuery, page: number, pages: number): Html {
  if (pages <= 1) return html``;
  const prev = page > 1 ? html`<a href="/incidents${queryParams(q, page - 1)}" rel="prev">← Previous</a>` : html`<span></span>`;
  const next = page < pages ? html`<a href="/incidents${queryParams(q, page + 1)}" rel="next">Next →</a>` : html`<span></span>`;
  return html`<nav class="pager" aria-label="Pages">${prev}<span class="muted">Page ${page} of ${pages}</span>${next}</nav>`;
}

/**
 * Each chart's figures as a table inside `<details>`, so the page reads without the picture (a
 * screen reader, a text browser, a copy into a spreadsheet).
 */
import { SEVERITIES } from '../../domain.js';
import type { DrillPoint } from '../../insights/drills.js';
import { MEASURES, type Ranked, type Spread, type WeekFigures } from '../../insights/figures.js';
import { shortDay } from '../../insights/weeks.js';
import { formatDuration, SEVERITY_LABEL } from '../../words.js';
import { html, type Html } from '../html.js';
import { MEASURE_LABEL } from './times.js';

function details(summary: string, caption: string, head: Html, rows: Html[]): Html {
  return html`<details class="data"><summary>${summary}</summary><div class="table-wrap"><table><caption>${caption}</caption><thead>${head}</thead><tbody>${rows}</tbody></table></div></details>`;
}

const weekCell = (w: WeekFigures) => html`<th scope="row">${w.label} <span class="sub">${shortDay(w.start)}</span></th>`;

export function weeklyTable(weeks: readonly WeekFigures[]): Html {
  const head = html`<tr><th scope="col">Week</th>${SEVERITIES.map((s) => html`<th scope="col" class="num">${SEVERITY_LABEL[s]}</th>`)}<th scope="col" class="num">Total</th></tr>`;
  const rows = weeks.map((w) => html`<tr>${weekCell(w)}${SEVERITIES.map((s) => html`<td class="num">${w.bySeverity[s]}</td>`)}<td class="num">${w.total}</td></tr>`);
  return details('Incidents per week as a table', 'Incidents per ISO week (UTC, weeks start on Monday), by severity', head, rows);
}

const spreadCells = (s: Spread) => html`<td class="num">${s.n}</td><td class="num">${formatDuration(s.median)}</td><td class="num">${formatDuration(s.p90)}</td>`;

export function timesTable(weeks: readonly WeekFigures[]): Html {
  const head = html`<tr><th scope="col" rowspan="2">Week</th>${MEASURES.map((m) => html`<th scope="colgroup" colspan="3">${MEASURE_LABEL[m].title}</th>`)}</tr><tr>${MEASURES.map(
    () => html`<th scope="col" class="num">n</th><th scope="col" class="num">median</th><th scope="col" class="num">p90</th>`,
  )}</tr>`;
  const rows = weeks.map((w) => html`<tr>${weekCell(w)}${MEASURES.map((m) => spreadCells(w.times[m]))}</tr>`);
  return details('Response times as a table', 'Time from the alert’s start to acknowledge, mitigate and resolve, per week of the start: how many, median, p90', head, rows);
}

export function topTable(rows: readonly Ranked[], what: string): Html {
  const head = html`<tr><th scope="col">${what}</th><th scope="col" class="num">Incidents</th></tr>`;
  return details(`${what}s as a table`, `${what}s with the most incidents`, head, rows.map((r) => html`<tr><td class="name">${r.name}</td><td class="num">${r.count}</td></tr>`));
}

const versus = (v: number | undefined, ref: number | undefined) => html`${formatDuration(v)}${ref !== undefined ? html` <span class="sub">(ref. ${formatDuration(ref)})</span>` : ''}`;

export function drillsTable(points: readonly DrillPoint[]): Html {
  const head = html`<tr><th scope="col">Started</th><th scope="col">Drill</th><th scope="col">Scenario</th><th scope="col" class="num">Acknowledged</th><th scope="col" class="num">Root cause</th><th scope="col" class="num">Resolved</th></tr>`;
  const rows = points.map(
    (p) =>
      html`<tr><td>${shortDay(p.startedMs)}</td><td>#${p.number} ${p.title}</td><td>${p.scenario}${p.speed !== 1 ? html` <span class="sub">×${p.speed}</span>` : ''}</td><td class="num">${versus(p.acknowledgeMs, p.reference.acknowledgeMs)}</td><td class="num">${
        p.causeFound ? versus(p.causeMs, p.reference.causeMs) : html`not found${p.reference.causeMs !== undefined ? html` <span class="sub">(ref. ${formatDuration(p.reference.causeMs)})</span>` : ''}`
      }</td><td class="num">${versus(p.resolveMs, p.reference.resolveMs)}</td></tr>`,
  );
  return details('Drill scorecards as a table', 'Resolved drills, in scenario time, beside the reference incident', head, rows);
}

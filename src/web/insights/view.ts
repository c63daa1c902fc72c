/**
 * The body of `/insights`: the window picker, then each chart followed by its table. Everything
 * in it is computed from the figures alone, the same for every viewer (private incidents are
 * counted, never named), so one rendering serves everyone while it is fresh.
 */
import type { Insights } from '../../insights/figures.js';
import { MEASURES } from '../../insights/figures.js';
import { utcClock, utcDay } from '../../reports/time.js';
import { html, type Html } from '../html.js';
import { drillsChart } from './drills.js';
import { drillsTable, timesTable, topTable, weeklyTable } from './tables.js';
import { MEASURE_LABEL, timesChart } from './times.js';
import { topChart } from './top.js';
import { weeklyChart } from './weekly.js';

export const WEEK_CHOICES = [4, 8, 12, 26, 52] as const;

export function weeksForm(weeks: number): Html {
  const choices = [...new Set([...WEEK_CHOICES, weeks])].filter((w) => w >= 4 && w <= 52).sort((a, b) => a - b);
  return html`<form class="weeks" method="get" action="/insights"><label for="weeks">Show the last</label> <select id="weeks" name="weeks">${choices.map(
    (w) => html`<option value="${w}"${w === weeks ? html` selected` : ''}>${w} weeks</option>`,
  )}</select> <button type="submit">Show</button></form>`;
}

function intro(ins: Insights, weeks: number): Html {
  const asOf = new Date(ins.generatedAt);
  const drills = ins.drills.length;
  return html`<p class="lede">The ${weeks} ISO weeks from Monday, ${utcDay(new Date(ins.from))} (UTC) to now: <strong>${ins.total} incident${ins.total === 1 ? '' : 's'}</strong>${
    ins.private ? html`, ${ins.private} of them private (counted, never named)` : ''
  }${drills ? html`, and ${drills} drill${drills === 1 ? '' : 's'}, shown apart` : ''}.</p><p class="asof">Figures as of <time datetime="${asOf.toISOString()}">${utcClock(asOf)} UTC</time>; read again at most every 30 seconds.${ins.truncated ? html` Only the newest incidents were read: there were more than this page counts.` : ''}</p>`;
}

function section(id: string, title: string, body: Html, note?: Html): Html {
  return html`<section class="insight" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${note ?? ''}${body}</section>`;
}

function topSection(ins: Insights): Html {
  const hidden = ins.private ? html`<p class="note">${ins.private} private incident${ins.private === 1 ? ' is' : 's are'} not listed here.</p>` : undefined;
  const part = (id: string, title: string, rows: Insights['topServices'], what: string) =>
    rows.length
      ? html`<h3>${title}</h3><figure class="chart-figure">${topChart(id, title, rows, what === 'Service' ? 'services' : 'alert groups')}</figure>${topTable(rows, what)}`
      : html`<h3>${title}</h3><p class="none">None to list in these weeks.</p>`;
  return section(
    'top',
    'Where incidents came from',
    html`${part('chart-services', 'Top services', ins.topServices, 'Service')}${part('chart-groups', 'Top alert groups', ins.topGroups, 'Alert group')}`,
    hidden,
  );
}

function drillsSection(ins: Insights): Html {
  const body = ins.drills.length
    ? html`<figure class="chart-figure">${drillsChart(ins.drills, ins.from, ins.generatedAt)}</figure>${drillsTable(ins.drills)}`
    : html`<p class="none">No drill was resolved in these weeks. <code>/incident drill</code> lists the scenarios.</p>`;
  return section('drills', 'Drill scorecards', body, html`<p class="note">Drills are practice: they are not in the figures above. Times are in scenario time, from the drill’s start.</p>`);
}

function emptyState(weeks: number): Html {
  return html`<section class="empty" aria-labelledby="empty-h"><h2 id="empty-h">No incidents in the last ${weeks} weeks</h2><p>Nothing to chart yet, which is good news. When Beacon opens an incident, from an alert or <code>/incident declare</code>, it is counted here: how many each week by severity, how soon each was acknowledged, mitigated and resolved, and which services and alert groups they came from.</p><p>Drills show here too, apart, once one is resolved.</p></section>`;
}

/** The whole body of the page for these figures. */
export function insightsBody(ins: Insights, weeks: number): Html {
  const head = html`<div class="insights-head"><h1>Insights</h1>${weeksForm(weeks)}</div>`;
  if (!ins.total && !ins.drills.length) return html`<div class="insights">${head}${intro(ins, weeks)}${emptyState(weeks)}</div>`;
  const real = ins.total
    ? html`${section('weekly', 'Incidents per week', html`<figure class="chart-figure">${weeklyChart(ins.weeks)}</figure>${weeklyTable(ins.weeks)}`)}${section(
        'times',
        'Response times',
        html`${MEASURES.map((m) => html`<h3>${MEASURE_LABEL[m].title}</h3><figure class="chart-figure">${timesChart(ins.weeks, m)}</figure>`)}${timesTable(ins.weeks)}`,
        html`<p class="note">From the alert’s own start time (when it began firing at its source, not when Beacon received it) to the timeline’s acknowledge, mitigate and resolve, by the week the incident started.</p>`,
      )}${topSection(ins)}`
    : emptyState(weeks);
  return html`<div class="insights">${head}${intro(ins, weeks)}${real}${drillsSection(ins)}</div>`;
}

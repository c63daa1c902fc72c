/**
 * Drill scorecards over time: each resolved drill of the window as three marks at its start
 * date (time to acknowledge, to the root cause, to resolve, in scenario time), each series
 * joined by a line so a team sees whether practice makes it faster. Every mark's `<title>`
 * names the scenario and the reference figure.
 */
import { max } from 'd3-array';
import { scaleLinear, scaleUtc } from 'd3-scale';
import { line } from 'd3-shape';
import type { DrillPoint } from '../../insights/drills.js';
import { shortDay } from '../../insights/weeks.js';
import { formatDuration } from '../../words.js';
import { html, type Html } from '../html.js';
import { bottomCategoryAxis, chartSvg, leftAxis, legend, px, timeUnit, unitLabel, type Box } from './svg.js';

export const DRILL_BOX: Box = { width: 720, height: 260, top: 44, right: 20, bottom: 46, left: 56 };

export const DRILL_SERIES = [
  { key: 'acknowledgeMs', cls: 'ack', label: 'acknowledged' },
  { key: 'causeMs', cls: 'cause', label: 'root cause found' },
  { key: 'resolveMs', cls: 'resolve', label: 'resolved' },
] as const;

type Series = (typeof DRILL_SERIES)[number];

function mark(s: Series, cx: number, cy: number, title?: string): Html {
  const t = title ? html`<title>${title}</title>` : '';
  if (s.cls === 'ack') return html`<circle class="point ${s.cls}" cx="${px(cx)}" cy="${px(cy)}" r="4">${t}</circle>`;
  if (s.cls === 'cause') return html`<rect class="point ${s.cls}" x="${px(cx - 4)}" y="${px(cy - 4)}" width="8" height="8">${t}</rect>`;
  return html`<path class="point ${s.cls}" d="M${px(cx)},${px(cy - 5)}L${px(cx + 5)},${px(cy)}L${px(cx)},${px(cy + 5)}L${px(cx - 5)},${px(cy)}Z">${t}</path>`;
}

function pointTitle(p: DrillPoint, s: Series): string {
  const v = p[s.key];
  const ref = p.reference[s.key];
  return `#${p.number} ${p.scenario} (${p.title}), ${shortDay(p.startedMs)}: ${s.label} after ${formatDuration(v)}${ref !== undefined ? ` (reference ${formatDuration(ref)})` : ''}`;
}

export function drillsChart(points: readonly DrillPoint[], from: number, to: number): Html {
  const box = DRILL_BOX;
  const top = max(points.flatMap((p) => DRILL_SERIES.map((s) => p[s.key] ?? 0))) ?? 0;
  const unit = timeUnit(top);
  const x = scaleUtc()
    .domain([new Date(from), new Date(Math.max(to, from + 1))])
    .range([box.left + 10, box.width - box.right - 10]);
  const y = scaleLinear()
    .domain([0, Math.max(1, top / unit.ms)])
    .range([box.height - box.bottom, box.top])
    .nice();
  const groups = DRILL_SERIES.map((s) => {
    const pts = points.filter((p) => p[s.key] !== undefined).map((p) => ({ p, cx: x(new Date(p.startedMs)), cy: y(p[s.key]! / unit.ms) }));
    const path = pts.length > 1 ? line<{ cx: number; cy: number }>().x((d) => px(d.cx)).y((d) => px(d.cy))(pts) : null;
    return html`<g class="series ${s.cls}" data-series="${s.cls}">${path ? html`<path class="line ${s.cls}" d="${path}"></path>` : ''}${pts.map((d) => mark(s, d.cx, d.cy, pointTitle(d.p, s)))}</g>`;
  });
  const ticks = x.ticks(6).map((d) => ({ x: x(d), top: shortDay(d.getTime()) }));
  const scenarios = [...new Set(points.map((p) => p.scenario))];
  const desc = `${points.length} resolved drill${points.length === 1 ? '' : 's'} (${scenarios.join(', ')}): time to acknowledge, to find the root cause and to resolve, in scenario time, in ${unit.name}. The table below has each drill beside its reference.`;
  const body = html`${leftAxis(y, y.ticks(5), box, (v) => unitLabel(v, unit), unit.name)}${bottomCategoryAxis(ticks, box)}${groups}${legend(
    DRILL_SERIES.map((s) => ({ cls: s.cls, label: s.label, shape: (x: number, y: number) => mark(s, x, y) })),
    box.left + 90,
    20,
  )}`;
  return chartSvg('chart-drills', box, 'Drill scorecards over time', desc, body);
}

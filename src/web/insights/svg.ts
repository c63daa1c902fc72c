/**
 * The parts every Insights chart is made of: the `<svg>` frame with its accessible name, axes
 * with ticks and labels, a legend, and the duration unit of a time axis. Server-side SVG, no
 * script; colours and line styles come from classes in insights.css (the page's CSP allows no
 * inline style), so the charts follow the viewer's light or dark setting.
 */
import type { ScaleLinear } from 'd3-scale';
import { html, type Html } from '../html.js';

export interface Box {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** A coordinate rounded to a tenth of a pixel: short markup, no visible difference. */
export const px = (v: number) => Math.round(v * 10) / 10;

/** `<svg role="img">` named by its `<title>` and described by its `<desc>`. */
export function chartSvg(id: string, box: Box, title: string, desc: string, body: Html): Html {
  return html`<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${box.width} ${box.height}" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${desc}</desc>${body}</svg>`;
}

/** The vertical value axis: its line, a grid line and a label at each tick. */
export function leftAxis(y: ScaleLinear<number, number>, ticks: readonly number[], box: Box, label: (v: number) => string, caption?: string): Html {
  const x0 = box.left;
  const x1 = box.width - box.right;
  const [bottom, top] = y.range() as [number, number];
  return html`<g class="axis axis-y">${ticks.map(
    (t) => html`<g class="tick"><line class="grid" x1="${x0}" x2="${x1}" y1="${px(y(t))}" y2="${px(y(t))}"></line><line x1="${x0 - 5}" x2="${x0}" y1="${px(y(t))}" y2="${px(y(t))}"></line><text class="end" x="${x0 - 8}" y="${px(y(t) + 4)}">${label(t)}</text></g>`,
  )}<line class="domain" x1="${x0}" x2="${x0}" y1="${px(top)}" y2="${px(bottom)}"></line>${
    caption ? html`<text class="axis-caption" x="${x0}" y="${px(top - 10)}">${caption}</text>` : ''
  }</g>`;
}

/** The horizontal value axis under a chart (for horizontal bars). */
export function bottomValueAxis(x: ScaleLinear<number, number>, ticks: readonly number[], y0: number, top: number, label: (v: number) => string): Html {
  const [left, right] = x.range() as [number, number];
  return html`<g class="axis axis-x">${ticks.map(
    (t) => html`<g class="tick"><line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${y0}"></line><line x1="${px(x(t))}" x2="${px(x(t))}" y1="${y0}" y2="${y0 + 5}"></line><text class="mid" x="${px(x(t))}" y="${y0 + 18}">${label(t)}</text></g>`,
  )}<line class="domain" x1="${px(left)}" x2="${px(right)}" y1="${y0}" y2="${y0}"></line></g>`;
}

/** A category axis under a chart: a tick and a two-line label (`W01`, `Dec 30`) at each of `ticks`. */
export function bottomCategoryAxis(ticks: readonly { x: number; top: string; bottom?: string }[], box: Box): Html {
  const y0 = box.height - box.bottom;
  return html`<g class="axis axis-x">${ticks.map(
    (t) => html`<g class="tick"><line x1="${px(t.x)}" x2="${px(t.x)}" y1="${y0}" y2="${y0 + 5}"></line><text class="mid" x="${px(t.x)}" y="${y0 + 18}">${t.top}${
      t.bottom ? html`<tspan class="sub" x="${px(t.x)}" dy="14">${t.bottom}</tspan>` : ''
    }</text></g>`,
  )}<line class="domain" x1="${box.left}" x2="${box.width - box.right}" y1="${y0}" y2="${y0}"></line></g>`;
}

export interface LegendItem {
  cls: string;
  label: string;
  /** A box (bars), a line (lines), or the series' own mark drawn centred on (x, y). */
  shape?: 'box' | 'line' | ((x: number, y: number) => Html);
}

/** A row of swatches naming the series, above the plot. */
export function legend(items: readonly LegendItem[], x: number, y: number): Html {
  let at = x;
  const parts = items.map((it) => {
    const wide = it.shape === 'line';
    const mark =
      typeof it.shape === 'function'
        ? it.shape(at + 6, y - 4)
        : wide
          ? html`<line class="swatch ${it.cls}" x1="${at}" x2="${at + 18}" y1="${y - 4}" y2="${y - 4}"></line>`
          : html`<rect class="swatch ${it.cls}" x="${at}" y="${y - 10}" width="12" height="12"></rect>`;
    const textX = at + (wide ? 24 : 17);
    at = textX + it.label.length * 7.2 + 18;
    return html`<g class="legend-item">${mark}<text x="${textX}" y="${y}">${it.label}</text></g>`;
  });
  return html`<g class="legend">${parts}</g>`;
}

/** Integer ticks of a count scale (no `0.5 incidents`). */
export function countTicks(y: ScaleLinear<number, number>): number[] {
  const [, max = 1] = y.domain();
  return y.ticks(Math.min(5, Math.max(1, max))).filter((t) => Number.isInteger(t));
}

export interface TimeUnit {
  ms: number;
  /** `min`, `h`…: the tick label's unit. */
  short: string;
  /** `minutes`, `hours`…: the axis caption. */
  name: string;
}

const UNITS: TimeUnit[] = [
  { ms: 1000, short: 's', name: 'seconds' },
  { ms: 60_000, short: 'min', name: 'minutes' },
  { ms: 3_600_000, short: 'h', name: 'hours' },
  { ms: 86_400_000, short: 'd', name: 'days' },
];

/** The unit a time axis reaching `maxMs` reads best in: at most a few hundred of it, at least two. */
export function timeUnit(maxMs: number): TimeUnit {
  if (maxMs < 2 * 60_000) return UNITS[0]!;
  if (maxMs < 2 * 3_600_000) return UNITS[1]!;
  if (maxMs < 3 * 86_400_000) return UNITS[2]!;
  return UNITS[3]!;
}

/** `1.5 h`: a tick value in its unit. */
export function unitLabel(v: number, u: TimeUnit): string {
  return `${Number.isInteger(v) ? v : Number(v.toFixed(2))} ${u.short}`;
}

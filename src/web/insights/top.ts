/**
 * Top services and top alert groups: horizontal bars with their counts. Names come from alert
 * senders (untrusted): escaped by the template, cut to fit the label column, whole in the
 * bar's `<title>` and in the table.
 */
import { max } from 'd3-array';
import { scaleBand, scaleLinear } from 'd3-scale';
import type { Ranked } from '../../insights/figures.js';
import { html, type Html } from '../html.js';
import { bottomValueAxis, chartSvg, countTicks, px, type Box } from './svg.js';

const WIDTH = 720;
const LEFT = 230;
const ROW = 26;
const LABEL_CHARS = 32;

/** A name cut to `n` characters (by code point), with an ellipsis when cut. */
export function cut(s: string, n = LABEL_CHARS): string {
  const chars = [...s];
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('')}…`;
}

export function topChart(id: string, title: string, rows: readonly Ranked[], what: string): Html {
  const box: Box = { width: WIDTH, height: 12 + rows.length * ROW + 34, top: 12, right: 40, bottom: 34, left: LEFT };
  const y = scaleBand<string>()
    .domain(rows.map((_, i) => String(i)))
    .range([box.top, box.height - box.bottom])
    .paddingInner(0.2);
  const x = scaleLinear()
    .domain([0, Math.max(1, max(rows, (r) => r.count) ?? 0)])
    .range([box.left, box.width - box.right])
    .nice();
  const bars = rows.map((r, i) => {
    const y0 = y(String(i)) ?? 0;
    const mid = px(y0 + y.bandwidth() / 2 + 4);
    return html`<g class="row" data-name="${r.name}" data-count="${r.count}"><text class="label end" x="${box.left - 8}" y="${mid}">${cut(r.name)}</text><rect class="bar top" x="${box.left}" y="${px(y0)}" width="${px(x(r.count) - box.left)}" height="${px(y.bandwidth())}"><title>${r.name}: ${r.count} incident${r.count === 1 ? '' : 's'}</title></rect><text class="value" x="${px(x(r.count) + 6)}" y="${mid}">${r.count}</text></g>`;
  });
  const desc = `${rows.length} ${what} with the most incidents, most first${rows[0] ? `: ${rows[0].name} with ${rows[0].count}` : ''}. The table below lists them.`;
  const body = html`${bottomValueAxis(x, countTicks(x), box.height - box.bottom, box.top, String)}<g class="bars">${bars}</g>`;
  return chartSvg(id, box, title, desc, body);
}

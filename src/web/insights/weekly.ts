/**
 * Incidents per ISO week by severity, as stacked bars: one `<g class="week">` per week of the
 * window, one bar segment per severity that week had, each with a `<title>` for hover.
 */
import { max } from 'd3-array';
import { scaleBand, scaleLinear } from 'd3-scale';
import { stack } from 'd3-shape';
import { SEVERITIES, type Severity } from '../../domain.js';
import type { WeekFigures } from '../../insights/figures.js';
import { shortDay } from '../../insights/weeks.js';
import { SEVERITY_LABEL } from '../../words.js';
import { html, type Html } from '../html.js';
import { bottomCategoryAxis, chartSvg, countTicks, leftAxis, legend, px, type Box } from './svg.js';

export const WEEKLY_BOX: Box = { width: 720, height: 300, top: 44, right: 12, bottom: 46, left: 44 };

/** `W01`: the week's number without its year (the table has both). */
export const weekShort = (w: WeekFigures) => w.label.slice(5);

/** Which weeks get a tick label: all of them up to 13, else every few, always the last. */
export function labelledWeeks(n: number): (i: number) => boolean {
  const every = Math.ceil(n / 13);
  return (i) => (n - 1 - i) % every === 0;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function weeklyChart(weeks: readonly WeekFigures[]): Html {
  const box = WEEKLY_BOX;
  const x = scaleBand<string>()
    .domain(weeks.map((w) => w.label))
    .range([box.left, box.width - box.right])
    .paddingInner(0.25)
    .paddingOuter(0.15);
  const y = scaleLinear()
    .domain([0, Math.max(1, max(weeks, (w) => w.total) ?? 0)])
    .range([box.height - box.bottom, box.top])
    .nice();
  const layers = stack<Record<Severity, number>, Severity>().keys(SEVERITIES)(weeks.map((w) => w.bySeverity));
  const bars = weeks.map((w, i) => {
    const x0 = px(x(w.label) ?? 0);
    const segments = layers.flatMap((layer) => {
      const [y0, y1] = layer[i]!;
      const n = y1 - y0;
      if (!n) return [];
      const sev = layer.key;
      return [
        html`<rect class="bar ${sev}" x="${x0}" y="${px(y(y1))}" width="${px(x.bandwidth())}" height="${px(y(y0) - y(y1))}" data-severity="${sev}" data-count="${n}"><title>${w.label} (week of ${shortDay(w.start)}): ${plural(n, 'incident')} ${SEVERITY_LABEL[sev]}</title></rect>`,
      ];
    });
    const total = w.total ? html`<text class="value mid" x="${px(x0 + x.bandwidth() / 2)}" y="${px(y(w.total) - 4)}">${w.total}</text>` : '';
    return html`<g class="week" data-week="${w.label}" data-count="${w.total}"><title>${w.label} (week of ${shortDay(w.start)}): ${plural(w.total, 'incident')}</title>${segments}${total}</g>`;
  });
  const show = labelledWeeks(weeks.length);
  const ticks = weeks.flatMap((w, i) => (show(i) ? [{ x: (x(w.label) ?? 0) + x.bandwidth() / 2, top: weekShort(w), bottom: shortDay(w.start) }] : []));
  const total = weeks.reduce((n, w) => n + w.total, 0);
  const busiest = weeks.reduce<WeekFigures | undefined>((b, w) => (w.total > (b?.total ?? 0) ? w : b), undefined);
  const desc = `${plural(total, 'incident')} over ${weeks.length} weeks${busiest ? `; the most in ${busiest.label} (${busiest.total})` : ''}. The table below has every week.`;
  const body = html`${leftAxis(y, countTicks(y), box, String, 'incidents')}${bottomCategoryAxis(ticks, box)}<g class="bars">${bars}</g>${legend(
    SEVERITIES.map((s) => ({ cls: s, label: SEVERITY_LABEL[s] })),
    box.left + 90,
    20,
  )}`;
  return chartSvg('chart-weekly', box, 'Incidents per week by severity', desc, body);
}

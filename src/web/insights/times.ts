/**
 * Time to acknowledge, to mitigate and to resolve per week: one small chart per measure, the
 * median as a line and the p90 as a dashed line over the same weeks, on a time axis in the unit
 * that reads best (minutes, hours, days). A week nobody reached the milestone in breaks the line.
 */
import { max } from 'd3-array';
import { scaleLinear, scalePoint } from 'd3-scale';
import { line } from 'd3-shape';
import type { Measure, WeekFigures } from '../../insights/figures.js';
import { shortDay } from '../../insights/weeks.js';
import { formatDuration } from '../../words.js';
import { html, type Html } from '../html.js';
import { bottomCategoryAxis, chartSvg, leftAxis, legend, px, timeUnit, unitLabel, type Box } from './svg.js';
import { labelledWeeks, weekShort } from './weekly.js';

export const TIMES_BOX: Box = { width: 720, height: 240, top: 44, right: 16, bottom: 46, left: 56 };

export const MEASURE_LABEL: Record<Measure, { title: string; verb: string }> = {
  acknowledge: { title: 'Time to acknowledge', verb: 'acknowledged' },
  mitigate: { title: 'Time to mitigate', verb: 'mitigated' },
  resolve: { title: 'Time to resolve', verb: 'resolved' },
};

type Stat = 'median' | 'p90';

function series(weeks: readonly WeekFigures[], m: Measure, stat: Stat, x: (l: string) => number | undefined, y: (v: number) => number, unitMs: number): Html {
  const points = weeks.map((w) => ({ w, v: w.times[m][stat] }));
  const path = line<{ w: WeekFigures; v: number | undefined }>()
    .defined((p) => p.v !== undefined)
    .x((p) => px(x(p.w.label) ?? 0))
    .y((p) => px(y((p.v ?? 0) / unitMs)))(points);
  const dots = points.flatMap((p) =>
    p.v === undefined
      ? []
      : [
          html`<circle class="point ${stat}" cx="${px(x(p.w.label) ?? 0)}" cy="${px(y(p.v / unitMs))}" r="${stat === 'median' ? 3.5 : 3}"><title>${p.w.label} (week of ${shortDay(p.w.start)}): ${stat} ${formatDuration(p.v)} over ${p.w.times[m].n} incident${p.w.times[m].n === 1 ? '' : 's'}</title></circle>`,
        ],
  );
  return html`<g class="series ${stat}" data-measure="${m}" data-stat="${stat}">${path ? html`<path class="line ${stat}" d="${path}"></path>` : ''}${dots}</g>`;
}

/** The chart of one measure, or a sentence when no incident of the window reached it. */
export function timesChart(weeks: readonly WeekFigures[], m: Measure): Html {
  const box = TIMES_BOX;
  const label = MEASURE_LABEL[m];
  const top = max(weeks, (w) => w.times[m].p90) ?? 0;
  const n = weeks.reduce((s, w) => s + w.times[m].n, 0);
  if (!n) return html`<p class="none">No incident of these weeks was ${label.verb} yet.</p>`;
  const unit = timeUnit(top);
  const x = scalePoint<string>()
    .domain(weeks.map((w) => w.label))
    .range([box.left, box.width - box.right])
    .padding(0.5);
  const y = scaleLinear()
    .domain([0, Math.max(top / unit.ms, 1)])
    .range([box.height - box.bottom, box.top])
    .nice();
  const show = labelledWeeks(weeks.length);
  const ticks = weeks.flatMap((w, i) => (show(i) ? [{ x: x(w.label) ?? 0, top: weekShort(w), bottom: shortDay(w.start) }] : []));
  const body = html`${leftAxis(y, y.ticks(5), box, (v) => unitLabel(v, unit), unit.name)}${bottomCategoryAxis(ticks, box)}${series(weeks, m, 'p90', x, y, unit.ms)}${series(
    weeks,
    m,
    'median',
    x,
    y,
    unit.ms,
  )}${legend(
    [
      { cls: 'median', label: 'median', shape: 'line' },
      { cls: 'p90', label: 'p90 (9 in 10 took no longer)', shape: 'line' },
    ],
    box.left + 90,
    20,
  )}`;
  const desc = `${label.title} per week from the alert's own start, median and 90th percentile, in ${unit.name}, over ${n} ${label.verb} incident${n === 1 ? '' : 's'}. The table below has every figure.`;
  return chartSvg(`chart-${m}`, box, `${label.title} per week`, desc, body);
}

/**
 * 6. Peak RSS: the peaks the other figures read from their processes at the end of each phase
 * (ctx.rss, ctx.memNotes), plus the bench process and the load client, for context.
 */
import type { BenchContext } from '../context.js';
import { f1, mb, verdict } from '../lib.js';
import type { Row, Section } from '../report.js';

export async function memory(ctx: BenchContext): Promise<Section> {
  const loadPeak = await ctx.loader.peakRss();
  const peakOf = (p: string) => Math.max(-Infinity, ...ctx.rss.filter((r) => r.process === p).map((r) => r.mb));
  const rows: Row[] = [];
  for (const p of ['web', 'worker']) {
    const v = peakOf(p);
    if (!Number.isFinite(v)) continue;
    rows.push({ figure: `${p} process: peak RSS (MB)`, value: f1(v), target: '< 150', verdict: v < 150 ? 'met' : verdict(v, 150, 'max') });
  }
  for (const r of ctx.rss) rows.push({ figure: `  ${r.process} during ${r.phase} (MB)`, value: f1(r.mb) });
  rows.push({ figure: 'bench process (Slack simulator, watchers, item 5 worker), for context (MB)', value: f1(mb(ctx.benchPeakRss())) });
  rows.push({ figure: 'load-client process, for context (MB)', value: f1(mb(loadPeak)) });
  return {
    title: '6. Peak RSS',
    rows,
    notes: [
      'web and worker are separate processes (bench/child.ts), each sampling process.memoryUsage.rss() every 50 ms; the peak is read at the end of each phase and reset after warm-up in phase 1.',
      ...ctx.memNotes,
    ],
  };
}

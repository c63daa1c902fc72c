/**
 * 1. Webhook ingest: Beacon's web stack vs a bare node:http + queue.add server, each in its own
 * process, measured in interleaved rounds with wrk (Debian's package) as the load client: 50
 * connections for 8 s per round, as issue 15 measures it. A Node load client uses enough CPU on
 * two cores to hide most of the gap between the two servers.
 */
import { Keys } from '../../src/keys.js';
import { HEADERS, type BenchContext } from '../context.js';
import { Child, f0, f1, f2, mb, median, verdict } from '../lib.js';
import { runWrk, type WrkResult } from '../wrk.js';
import { addCounters, perRequest, redisCounters } from '../redis-stats.js';
import type { Section } from '../report.js';

const C = 50;
const SECONDS = 8;
const ROUNDS = 3;
type Side = 'beacon' | 'base';

/** One alert per request; `%d` becomes a distinct counter per request (wrk.ts). */
const BODY = '{"title":"Ingest probe","severity":"high","service":"checkout","group":"ingest","fingerprint":"ingest-%d","description":"value"}';

/** What the measured rounds gave per side: load results, Redis work and server CPU (µs). */
interface Measured {
  res: Record<Side, WrkResult[]>;
  redisUse: Record<Side, Map<string, number>>;
  cpu: Record<Side, number>;
}

export async function ingest(ctx: BenchContext): Promise<Section> {
  const env = ctx.env('bench-ingest');
  const web = await Child.start('web', { type: 'start', role: 'web', env });
  const base = await Child.start('base-web', { type: 'start', role: 'base-web', env, queue: 'ingest', prefix: new Keys('bench-base-ingest').queuePrefix });
  try {
    const run = (child: Child, tag: string, seconds: number) => runWrk({ port: child.port!, path: '/webhooks/generic', body: BODY, connections: C, seconds, headers: HEADERS }, tag);
    // Warm-up: JIT, connection pools, Lua scripts loaded.
    for (const [c, t] of [[web, 'wb'], [base, 'wa']] as const) {
      const w = await run(c, t, 2);
      if (Object.keys(w.bad).length || w.errors) throw new Error(`${c.name} warm-up answered ${JSON.stringify(w.bad)}, ${w.errors} errors`);
    }
    await web.resetRss();
    const m: Measured = { res: { beacon: [], base: [] }, redisUse: { beacon: new Map(), base: new Map() }, cpu: { beacon: 0, base: 0 } };
    // Interleaved rounds, alternating which goes first, so drift on a noisy machine hits both.
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['beacon', 'base'] as const) : (['base', 'beacon'] as const);
      for (const side of order) {
        const child = side === 'beacon' ? web : base;
        const before = await redisCounters(ctx.inspect);
        const cpu0 = await child.cpuUs();
        const out = await run(child, `${side}-${r}`, SECONDS);
        m.cpu[side] += (await child.cpuUs()) - cpu0;
        addCounters(m.redisUse[side], before, await redisCounters(ctx.inspect));
        if (Object.keys(out.bad).length || out.errors) throw new Error(`${side} round ${r} answered ${JSON.stringify(out.bad)}`);
        m.res[side].push(out);
      }
    }
    await recordMemory(ctx, web, base);
    return section(m);
  } finally {
    await Promise.all([web.stop(), base.stop()]);
  }
}

async function recordMemory(ctx: BenchContext, web: Child, base: Child): Promise<void> {
  ctx.rss.push({ process: 'web', phase: '1 ingest (web only, no worker)', mb: mb(await web.peakRss()) });
  const wm = await web.memory(true);
  ctx.memNotes.push(
    `web right after startWeb(): RSS ${f0(mb(web.startRss))} MB, heap used ${f0(mb(web.startHeap))} MB; after ingest: RSS ${f0(mb(wm.now))} MB, heap used/total ${f0(mb(wm.heapUsed))}/${f0(mb(wm.heapTotal))} MB (${f0(mb(wm.retained ?? NaN))} MB still used after a forced full GC), external ${f0(mb(wm.external))} MB. Baseline web right after start: RSS ${f0(mb(base.startRss))} MB, heap used ${f0(mb(base.startHeap))} MB.`,
  );
  ctx.rss.push({ process: 'baseline web', phase: '1 ingest', mb: mb(await base.peakRss()) });
}

function section({ res, redisUse, cpu }: Measured): Section {
  const fig = (rs: WrkResult[]) => ({ rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), perRound: rs.map((x) => x.rps), n: rs.reduce((t, x) => t + x.requests, 0) });
  const b = fig(res.beacon);
  const a = fig(res.base);
  // Paired ratios: each round's Beacon run against the baseline run next to it, so a burst of
  // load from elsewhere on the machine lands in one pair instead of skewing one side.
  const pairT = res.beacon.map((x, i) => x.rps / res.base[i]!.rps);
  const pairP = res.beacon.map((x, i) => x.p99 / res.base[i]!.p99);
  const tput = median(pairT);
  const p99r = median(pairP);
  return {
    title: '1. Webhook ingest: POST /webhooks/generic',
    rows: [
      { figure: 'Beacon web: requests/s (median of rounds)', value: f0(b.rps) },
      { figure: 'Beacon web: p50 / p99 latency (ms, median of rounds)', value: `${f1(b.p50)} / ${f1(b.p99)}` },
      { figure: 'baseline: requests/s (median of rounds)', value: f0(a.rps) },
      { figure: 'baseline: p50 / p99 latency (ms, median of rounds)', value: `${f1(a.p50)} / ${f1(a.p99)}` },
      { figure: 'throughput ratio Beacon / baseline (median of paired rounds)', value: f2(tput), target: '>= 0.8', verdict: verdict(tput, 0.8, 'min') },
      { figure: 'p99 ratio Beacon / baseline (median of paired rounds)', value: f2(p99r), target: '<= 1.5', verdict: verdict(p99r, 1.5, 'max') },
      { figure: 'same ratios from the medians above', value: `${f2(b.rps / a.rps)} / ${f2(b.p99 / a.p99)}` },
      { figure: 'server CPU per request (µs): Beacon web / baseline', value: `${f0(cpu.beacon / b.n)} / ${f0(cpu.base / a.n)}` },
      { figure: 'server CPU per request ratio Beacon / baseline (noise-robust)', value: f2(cpu.beacon / b.n / (cpu.base / a.n)) },
    ],
    notes: [
      `paired round ratios, throughput: ${pairT.map(f2).join(', ')}; p99: ${pairP.map(f2).join(', ')}.`,
      `Redis work per request (INFO commandstats / total_net_input_bytes): Beacon ${perRequest(redisUse.beacon, b.n)}; baseline ${perRequest(redisUse.base, a.n)}.`,
      `${ROUNDS} interleaved rounds of ${SECONDS} s per side after a 2 s warm-up each, wrk with ${C} connections and one thread, every request a distinct alert of one group; latency percentiles are wrk's per round, medians over rounds.`,
      `per-round requests/s: Beacon ${b.perRound.map(f0).join(', ')}; baseline ${a.perRound.map(f0).join(', ')}.`,
      "Baseline: bare node:http server in its own process; reads the body, JSON.parse, sha256 job id, queue.add('alert.received') with Beacon's job options on its own queue/prefix. Beacon: startWeb() in its own process, no worker (jobs pile up in Redis for both).",
      'Server CPU per request is the child process user+system CPU time over the measured rounds divided by requests; it is less sensitive than requests/s to other load on the machine.',
      'Beacon additionally does bearer auth, zod validation, normalization, metrics and a Redis readiness check per request.',
    ],
  };
}

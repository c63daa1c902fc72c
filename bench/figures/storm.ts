/**
 * 2. Alert storm: 10,000 alerts (200 distinct, one group) into Beacon's web + worker until it is
 * quiet, against the same requests into a bare server + no-op BullMQ Worker until drained. The
 * slash-command acks of item 4 are sampled while each Beacon round runs.
 */
import { ALERTS_DEBOUNCE_MS } from '../../src/jobs/scheduler.js';
import { Keys } from '../../src/keys.js';
import { BeaconWatch, TIMER_HORIZON_MS } from '../beacon-watch.js';
import { HEADERS, WORKER_CONCURRENCY, type BeaconPair, type BenchContext } from '../context.js';
import { Child, epochNow, f0, f2, mb, median, verdict, waitUntil } from '../lib.js';
import { meter, perRequest, type CpuSplit } from '../redis-stats.js';
import type { Section } from '../report.js';
import { ACK_SAMPLES, measureIdleAcks, sampleAcks, type StormPhase } from './slash-ack.js';

const STORM_TOTAL = 10_000;
/** Simulator tiers time-scale for the tiers round: the same as Beacon's SLACK_RATE_SCALE in the bench. */
const TIERS_SCALE = 60;
const STORM_DISTINCT = 200;
const STORM_INFLIGHT = 50;
const ROUNDS = Number(process.env.BENCH_STORM_ROUNDS ?? 3);

function stormBodies(group: string, total = STORM_TOTAL): string[] {
  return Array.from({ length: total }, (_, i) =>
    JSON.stringify({
      title: `Pod crash looping: checkout-${i % STORM_DISTINCT}`,
      severity: 'high',
      service: 'checkout',
      group,
      fingerprint: `pod-${i % STORM_DISTINCT}`,
      description: `restarts=${i}`,
    }),
  );
}

const send = (ctx: BenchContext, port: number, bodies: string[]) =>
  ctx.loader.load({ port, path: '/webhooks/generic', bodies, concurrency: STORM_INFLIGHT, headers: HEADERS });

interface BeaconSide {
  beaconMs: number;
  /** Slack calls answered 429 (only under tiers mode). */
  refused: number;
  beaconIngestMs: number;
  /** First request until the incident had counted all 10,000 (before the debounced refresh ran). */
  countedMs: number;
  /** CPU seconds used during the round by each process. */
  cpu: CpuSplit;
  redisUse: Map<string, number>;
  calls: number;
  authTests: number;
  acks: number;
  byMethod: Record<string, number>;
}

interface BaseSide {
  baseMs: number;
  baseIngestMs: number;
  baseCpu: CpuSplit;
  baseRedisUse: Map<string, number>;
}

type StormRound = BeaconSide & BaseSide;

/** Beacon: from the first request until quiet; /incident help acks sampled meanwhile (item 4). */
async function beaconStorm(ctx: BenchContext, pair: BeaconPair, watch: BeaconWatch, group: string, total: number, ackCap: number): Promise<BeaconSide> {
  const bodies = stormBodies(group, total);
  const callsBefore = ctx.sim.calls.length;
  const acksBefore = ctx.acks.storm.length;
  const used = await meter(ctx.inspect, pair.web, pair.worker);
  const phase: StormPhase = { ingestDone: false, quiet: false };
  const sampler = sampleAcks(ctx, phase, ackCap);
  const load = await send(ctx, pair.web.port!, bodies);
  phase.ingestDone = true;
  let countedMs = NaN;
  try {
    if (Object.keys(load.bad).length) throw new Error(`storm answered ${JSON.stringify(load.bad)}`);
    await waitUntil(async () => (await watch.counted(group)) === total, 120_000, 10, 'every alert counted').catch(() => {});
    countedMs = epochNow() - load.startedAt;
    await waitUntil(() => watch.quiet(group, total), 120_000, 25, 'Beacon storm to go quiet').catch(async (err: Error) => {
      throw new Error(`${err.message}; state: ${await watch.state(group)}`);
    });
  } finally {
    phase.quiet = true;
    await sampler;
  }
  const beaconMs = epochNow() - load.startedAt;
  const { cpu, redisUse } = await used();
  const calls = ctx.sim.calls.slice(callsBefore);
  const byMethod: Record<string, number> = {};
  for (const c of calls) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
  const acks = ctx.acks.storm.length - acksBefore;
  const refused = calls.filter((c) => c.status === 429).length;
  return { beaconMs, refused, beaconIngestMs: load.elapsedMs, countedMs, cpu, redisUse, calls: calls.length, authTests: byMethod['auth.test'] ?? 0, acks, byMethod };
}

/**
 * Baseline: the bare server and a no-op Worker, in two processes that live through all rounds, as
 * Beacon's do; one queue, counted per round.
 */
class Baseline {
  private constructor(
    readonly web: Child,
    readonly worker: Child,
    private readonly ctx: BenchContext,
    private readonly queueName: string,
    private readonly prefix: string,
  ) {}

  static async start(ctx: BenchContext, env: Record<string, string>, concurrency: number): Promise<Baseline> {
    const queue = 'storm';
    const prefix = new Keys('bench-base-storm').queuePrefix;
    const web = await Child.start('base-web', { type: 'start', role: 'base-web', env, queue, prefix });
    const worker = await Child.start('base-worker', { type: 'start', role: 'base-worker', env, queue, prefix, concurrency }).catch(async (err: Error) => {
      await web.stop();
      throw err;
    });
    return new Baseline(web, worker, ctx, queue, prefix);
  }

  /** The same requests to the bare server, until its queue is drained. */
  async storm(group: string, total: number): Promise<BaseSide> {
    const { ctx } = this;
    const q = ctx.watch.queue(this.prefix, this.queueName);
    const before = (await ctx.watch.counts(q, 'completed')).completed;
    const used = await meter(ctx.inspect, this.web, this.worker);
    const bl = await send(ctx, this.web.port!, stormBodies(group, total));
    if (Object.keys(bl.bad).length) throw new Error(`baseline storm answered ${JSON.stringify(bl.bad)}`);
    await waitUntil(
      async () => {
        const c = await ctx.watch.counts(q, 'wait', 'active', 'delayed', 'prioritized', 'completed');
        return c.wait === 0 && c.active === 0 && c.delayed === 0 && c.prioritized === 0 && c.completed === before + total;
      },
      120_000,
      25,
      'baseline storm to drain',
    );
    const baseMs = epochNow() - bl.startedAt;
    const { cpu, redisUse } = await used();
    return { baseMs, baseIngestMs: bl.elapsedMs, baseCpu: cpu, baseRedisUse: redisUse };
  }

  async stop(): Promise<void> {
    await Promise.all([this.web.stop(), this.worker.stop()]);
  }
}

export async function storm(ctx: BenchContext): Promise<Section> {
  ctx.stormRan = true;
  const pair = await ctx.beacon();
  const { web, worker } = pair;
  const watch = new BeaconWatch(ctx, pair.keys);
  // The no-op worker gets the concurrency Beacon's own intake Worker runs with.
  const baseConcurrency = worker.concurrency.intake ?? WORKER_CONCURRENCY;
  const base = await Baseline.start(ctx, ctx.env(pair.keys.prefix), baseConcurrency);
  try {
    await measureIdleAcks(ctx);
    // Warm-up storms of 1,000 on both sides (JIT, scripts, the first incident's Slack set-up).
    await beaconStorm(ctx, pair, watch, 'warm-up-storm', 1000, 0);
    await base.storm('warm-up-storm', 1000);
    await Promise.all([web.resetRss(), worker.resetRss(), base.web.resetRss(), base.worker.resetRss()]);
    const rounds: StormRound[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const group = `checkout-storm-${r}`;
      // Slash-command samples spread over the rounds so that every round carries the same load.
      const ackCap = Math.ceil((ACK_SAMPLES * (r + 1)) / ROUNDS);
      // Alternate which side goes first, so drift on a noisy machine hits both.
      if (r % 2 === 0) {
        const b = await beaconStorm(ctx, pair, watch, group, STORM_TOTAL, ackCap);
        rounds.push({ ...b, ...(await base.storm(group, STORM_TOTAL)) });
      } else {
        const a = await base.storm(group, STORM_TOTAL);
        rounds.push({ ...(await beaconStorm(ctx, pair, watch, group, STORM_TOTAL, ackCap)), ...a });
      }
      const x = rounds[rounds.length - 1]!;
      console.log(`  storm round ${r + 1}: Beacon ${f2(x.beaconMs / 1000)} s (all counted at ${f2(x.countedMs / 1000)} s), baseline ${f2(x.baseMs / 1000)} s, Slack calls ${x.calls} (auth.test ${x.authTests}, acks sampled ${x.acks})`);
    }
    // One more Beacon storm with the simulator enforcing Slack's tiers (scaled as Beacon's pacing is,
    // SLACK_RATE_SCALE in bench/context.ts), against the zero-limit rounds above.
    ctx.sim.setTiers({ scale: TIERS_SCALE });
    let tiers: BeaconSide;
    try {
      tiers = await beaconStorm(ctx, pair, watch, 'checkout-storm-tiers', STORM_TOTAL, 0);
    } finally {
      ctx.sim.setTiers();
    }
    await recordMemory(ctx, pair, base);
    return section(rounds, { beacon: worker.concurrency, base: baseConcurrency }, watch.ignoredTimers, tiers);
  } finally {
    await base.stop();
  }
}

async function recordMemory(ctx: BenchContext, { web, worker }: BeaconPair, base: Baseline): Promise<void> {
  ctx.rss.push({ process: 'baseline web', phase: '2 storm', mb: mb(await base.web.peakRss()) });
  ctx.rss.push({ process: 'baseline worker', phase: '2 storm', mb: mb(await base.worker.peakRss()) });
  ctx.rss.push({ process: 'web', phase: '2 storm', mb: mb(await web.peakRss()) });
  ctx.rss.push({ process: 'worker', phase: '2 storm', mb: mb(await worker.peakRss()) });
  const km = await worker.memory(true);
  ctx.memNotes.push(
    `worker right after startWorker(): RSS ${f0(mb(worker.startRss))} MB, heap used ${f0(mb(worker.startHeap))} MB; after the storm: RSS ${f0(mb(km.now))} MB, heap used/total ${f0(mb(km.heapUsed))}/${f0(mb(km.heapTotal))} MB (${f0(mb(km.retained ?? NaN))} MB after a forced full GC).`,
  );
}

function section(rounds: StormRound[], concurrency: { beacon: Record<string, number>; base: number }, ignoredTimers: Set<string>, tiers: BeaconSide): Section {
  const ratios = rounds.map((x) => x.beaconMs / x.baseMs);
  const cpuStr = (cs: CpuSplit[]) => {
    const m = (k: keyof CpuSplit) => median(cs.map((c) => c[k]));
    return `${f2(m('web'))} + ${f2(m('worker'))} + ${f2(m('redis'))}`;
  };
  const s = (f: (x: StormRound) => number) => f2(median(rounds.map(f)) / 1000);
  const ratio = median(ratios);
  // Bolt (tokenVerificationEnabled: false) calls auth.test on every request it receives, so each
  // sampled slash command adds one auth.test; those belong to item 4, not to the storm.
  const own = rounds.map((x) => x.calls - Math.min(x.acks, x.authTests));
  const worstOwn = Math.max(...own);
  const last = rounds[rounds.length - 1]!;
  return {
    title: '2. Alert storm: 10,000 alerts, 200 distinct, one group',
    rows: [
      { figure: 'Beacon: first request to quiet queue (s, median)', value: s((x) => x.beaconMs) },
      { figure: 'Beacon: of which sending the 10,000 requests (s, median)', value: s((x) => x.beaconIngestMs) },
      { figure: 'Beacon: of which until all 10,000 were counted (s, median)', value: s((x) => x.countedMs) },
      { figure: 'baseline: first request to drained queue (s, median)', value: s((x) => x.baseMs) },
      { figure: 'baseline: of which sending the 10,000 requests (s, median)', value: s((x) => x.baseIngestMs) },
      { figure: 'time ratio Beacon / baseline (median of paired rounds)', value: f2(ratio), target: '<= 1.3', verdict: verdict(ratio, 1.3, 'max') },
      { figure: 'CPU s per storm, Beacon web + worker + redis (median)', value: cpuStr(rounds.map((x) => x.cpu)) },
      { figure: 'CPU s per storm, baseline web + worker + redis (median)', value: cpuStr(rounds.map((x) => x.baseCpu)) },
      { figure: 'ratio with Beacon stopped at "all counted" (median of paired rounds), for context', value: f2(median(rounds.map((x) => x.countedMs / x.baseMs))) },
      { figure: 'Slack API calls caused by the storm (worst round)', value: String(worstOwn), target: '<= 30', verdict: verdict(worstOwn, 30, 'max') },
      { figure: 'Slack API calls seen during the storm, incl. item 4 (worst round)', value: String(Math.max(...rounds.map((x) => x.calls))) },
      { figure: `under Slack's tiers (simulator tiers mode, x${TIERS_SCALE}): first request to quiet (s) / ratio to the zero-limit median`, value: `${f2(tiers.beaconMs / 1000)} / ${f2(tiers.beaconMs / median(rounds.map((x) => x.beaconMs)))}` },
      { figure: "under Slack's tiers: Slack calls (429s)", value: `${tiers.calls} (${tiers.refused} answered 429)` },
    ],
    notes: [
      `A warm-up storm of 1,000 on each side, then ${ROUNDS} rounds, each a new alert group (so a new incident); Beacon and baseline alternate going first; all four processes live through all rounds. Paired ratios: ${ratios.map(f2).join(', ')}.`,
      ...rounds.map((x, i) => `round ${i + 1}: Beacon ${f2(x.beaconMs / 1000)} s (requests ${f2(x.beaconIngestMs / 1000)} s, all counted ${f2(x.countedMs / 1000)} s), baseline ${f2(x.baseMs / 1000)} s (requests ${f2(x.baseIngestMs / 1000)} s); Slack calls ${JSON.stringify(x.byMethod)}, ${x.acks} slash commands sampled.`),
      `One alert per request, ${STORM_INFLIGHT} requests in flight. Beacon: web and worker (WORKER_CONCURRENCY=${WORKER_CONCURRENCY}; Worker concurrency by queue ${JSON.stringify(concurrency.beacon)}) in separate processes; quiet = intake and incidents wait/active/prioritized empty, no delayed job due within ${TIMER_HORIZON_MS / 1000} s (timers left out: ${[...ignoredTimers].join(', ') || 'none seen'}), and the incident's alerts hash counts 10,000 (polled every 25 ms; includes the ${ALERTS_DEBOUNCE_MS / 1000} s alerts-message debounce).`,
      `Redis work per alert in the last round (INFO commandstats, includes the bench's own polling of the queue and the alerts hash): Beacon ${perRequest(last.redisUse, STORM_TOTAL)}; baseline ${perRequest(last.baseRedisUse, STORM_TOTAL)}.`,
      'CPU seconds: user+system time of each process over the round (redis-server from INFO cpu); with 2 cores shared by all of them, the wall time cannot be much below (sum of CPU) / 2.',
      `Baseline: bare server + a no-op BullMQ Worker (concurrency ${concurrency.base}, as Beacon's intake Worker) in two processes; drained = wait/active/delayed/prioritized empty and 10,000 completed.`,
      "Storm's own calls = all calls in the window minus its auth.test calls, up to one per slash command sampled during it: Bolt's single-token authorize called auth.test before every incoming Slack request until src/slack/authorize.ts cached it (commit 0b79d2a); with the cache this subtracts nothing.",
    ],
  };
}

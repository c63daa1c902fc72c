/**
 * `npm run bench`: Beacon's figures next to baselines measured in the same run on this machine.
 *
 * Web, worker and the baselines each run in their own child process (bench/child.ts), as the
 * Procfile runs them; this process holds the load client, the Slack simulator and a Redis
 * connection for watching queues. Every section is its own function and the report is written
 * after each one, so a run that dies half-way still leaves what it measured.
 *
 * Knobs (environment): BENCH_ONLY=1,2,5 runs only those sections; BENCH_STORM_ROUNDS (3);
 * BENCH_WORKER_CONCURRENCY (8, Beacon's default; applied to the baselines too);
 * BENCH_CPU_PROF=web,worker,base-web,base-worker writes V8 CPU profiles to bench/.build/prof/,
 * which `tsx bench/profile-summary.ts <file>` sums up. bench/findings.md, when present, is
 * copied into BENCHMARKS.md under the figures: the reading of them, written by a person.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisHandle } from '../src/dev/local-redis.js';
import { SlackSimulator } from '../src/dev/slack-simulator.js';
import * as scheduler from '../src/jobs/scheduler.js';
import { Keys } from '../src/keys.js';
import { connect } from '../src/redis.js';
import { TimelineStore } from '../src/timeline/store.js';
import type { TimelineEvent } from '../src/timeline/events.js';
import { Child, prepareChildren, mb, median, pct, sleep, verdict, waitUntil, type LoadResult } from './lib.js';

const BOT_TOKEN = 'xoxb-bench-0000000000-beacon-bot-token';
const SIGNING_SECRET = 'bench-signing-secret-8f2b1c9d7e6a';
const WEBHOOK_TOKEN = 'bench-webhook-token-5a4b3c2d1e0f';
/** Beacon's default (8) unless BENCH_WORKER_CONCURRENCY says otherwise; the baseline workers use the same. */
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 8);
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` };

interface Row {
  figure: string;
  value: string;
  target?: string;
  verdict?: string;
}
interface Section {
  title: string;
  rows: Row[];
  notes: string[];
}

const sections: Section[] = [];
const notDone: string[] = [];
const startedAt = new Date();
let childMode = '';

interface Ctx {
  redis: RedisHandle;
  sim: SlackSimulator;
  inspect: Redis;
  /** The load client, in its own process. */
  loader: Child;
  /** Peak RSS per process and phase, MB. */
  memNotes: string[];
  rss: { process: string; phase: string; mb: number }[];
}

function env(ctx: Ctx, prefix: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    WEBHOOK_TOKEN,
    REDIS_URL: ctx.redis.url,
    REDIS_KEY_PREFIX: prefix,
    PORT: '0',
    SLACK_API_URL: ctx.sim.url,
    INCIDENT_RESPONDERS: 'U0000001,U0000002',
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
  };
}

const f0 = (n: number) => n.toFixed(0);
/** Epoch ms with sub-ms precision, comparable with the load child's timestamps. */
const epochNow = () => performance.timeOrigin + performance.now();
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

function print(s: Section): void {
  console.log(`\n## ${s.title}`);
  for (const r of s.rows) console.log(`  ${r.figure.padEnd(52)} ${r.value.padStart(14)}${r.target ? `   target ${r.target}: ${r.verdict}` : ''}`);
  for (const n of s.notes) console.log(`  - ${n}`);
}

function addSection(s: Section): void {
  sections.push(s);
  print(s);
  writeReport();
}

// ---------------------------------------------------------------------------------------------
// 1. Webhook ingest: Beacon's web stack vs a bare node:http + queue.add server
// ---------------------------------------------------------------------------------------------

function ingestBodies(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        title: `Ingest probe ${tag} ${i % 100}`,
        severity: 'high',
        service: 'checkout',
        group: `ingest-${tag}-${i % 50}`,
        fingerprint: `ingest-${tag}-${i}`,
        description: `value=${i}`,
      }),
  );
}

/** CPU seconds redis-server has used so far (user + system). */
async function redisCpu(ctx: Ctx): Promise<number> {
  const info = await ctx.inspect.info('cpu');
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/** Redis's own counters: calls per command and bytes in, to see what each side asks of Redis. */
async function redisCounters(ctx: Ctx): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const stats = await ctx.inspect.info('commandstats');
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  const net = /total_net_input_bytes:(\d+)/.exec(await ctx.inspect.info('stats'));
  out.set('(bytes in)', Number(net?.[1] ?? 0));
  return out;
}

function addCounters(into: Map<string, number>, before: Map<string, number>, after: Map<string, number>): void {
  for (const [k, v] of after) into.set(k, (into.get(k) ?? 0) + v - (before.get(k) ?? 0));
}

function perRequest(m: Map<string, number>, n: number): string {
  const bytes = (m.get('(bytes in)') ?? 0) / n;
  const cmds = [...m.entries()].filter(([k, v]) => k !== '(bytes in)' && v / n >= 0.05 && !['info'].includes(k)).sort((a, b) => b[1] - a[1]);
  const total = cmds.reduce((t, [, v]) => t + v, 0) / n;
  return `${total.toFixed(2)} commands (${cmds.map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}), ${f0(bytes)} bytes in`;
}

async function benchIngest(ctx: Ctx): Promise<void> {
  const N = 5000;
  const C = 32;
  const ROUNDS = 5;
  const web = await Child.start('web', { type: 'start', role: 'web', env: env(ctx, 'bench-ingest') });
  const base = await Child.start('base-web', { type: 'start', role: 'base-web', env: env(ctx, 'bench-ingest'), queue: 'ingest', prefix: '{bench-base-ingest}' });
  try {
    const run = (child: Child, tag: string, n: number) => ctx.loader.load({ port: child.port!, path: '/webhooks/generic', bodies: ingestBodies(tag, n), concurrency: C, headers: HEADERS });
    // Warm-up: JIT, connection pools, Lua scripts loaded.
    for (const [c, t] of [[web, 'wb'], [base, 'wa']] as const) {
      const w = await run(c, t, 1000);
      if (Object.keys(w.bad).length) throw new Error(`${c.name} warm-up answered ${JSON.stringify(w.bad)}`);
    }
    await web.resetRss();
    const res: Record<'beacon' | 'base', LoadResult[]> = { beacon: [], base: [] };
    const redisUse = { beacon: new Map<string, number>(), base: new Map<string, number>() };
    const cpu = { beacon: 0, base: 0 };
    // Interleaved rounds, alternating which goes first, so drift on a noisy machine hits both.
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['beacon', 'base'] as const) : (['base', 'beacon'] as const);
      for (const side of order) {
        const child = side === 'beacon' ? web : base;
        const before = await redisCounters(ctx);
        const cpu0 = await child.cpuUs();
        const out = await run(child, `${side}-${r}`, N);
        cpu[side] += (await child.cpuUs()) - cpu0;
        addCounters(redisUse[side], before, await redisCounters(ctx));
        if (Object.keys(out.bad).length) throw new Error(`${side} round ${r} answered ${JSON.stringify(out.bad)}`);
        res[side].push(out);
      }
    }
    ctx.rss.push({ process: 'web', phase: '1 ingest (web only, no worker)', mb: mb(await web.peakRss()) });
    const wm = await web.memory(true);
    ctx.memNotes.push(
      `web right after startWeb(): RSS ${f0(mb(web.startRss))} MB, heap used ${f0(mb(web.startHeap))} MB; after ingest: RSS ${f0(mb(wm.now))} MB, heap used/total ${f0(mb(wm.heapUsed))}/${f0(mb(wm.heapTotal))} MB (${f0(mb(wm.retained ?? NaN))} MB still used after a forced full GC), external ${f0(mb(wm.external))} MB. Baseline web right after start: RSS ${f0(mb(base.startRss))} MB, heap used ${f0(mb(base.startHeap))} MB.`,
    );
    ctx.rss.push({ process: 'baseline web', phase: '1 ingest', mb: mb(await base.peakRss()) });
    const fig = (rs: LoadResult[]) => {
      const all = rs.flatMap((x) => x.lat);
      return { rps: median(rs.map((x) => N / (x.elapsedMs / 1000))), p50: pct(all, 50), p99: pct(all, 99), perRound: rs.map((x) => N / (x.elapsedMs / 1000)) };
    };
    const b = fig(res.beacon);
    const a = fig(res.base);
    // Paired ratios: each round's Beacon run against the baseline run next to it, so a burst of
    // load from elsewhere on the machine lands in one pair instead of skewing one side.
    const pairT = res.beacon.map((x, i) => res.base[i]!.elapsedMs / x.elapsedMs);
    const pairP = res.beacon.map((x, i) => pct(x.lat, 99) / pct(res.base[i]!.lat, 99));
    const tput = median(pairT);
    const p99r = median(pairP);
    addSection({
      title: '1. Webhook ingest: POST /webhooks/generic',
      rows: [
        { figure: 'Beacon web: requests/s (median of rounds)', value: f0(b.rps) },
        { figure: 'Beacon web: p50 / p99 latency (ms, pooled)', value: `${f1(b.p50)} / ${f1(b.p99)}` },
        { figure: 'baseline: requests/s (median of rounds)', value: f0(a.rps) },
        { figure: 'baseline: p50 / p99 latency (ms, pooled)', value: `${f1(a.p50)} / ${f1(a.p99)}` },
        { figure: 'throughput ratio Beacon / baseline (median of paired rounds)', value: f2(tput), target: '>= 0.8', verdict: verdict(tput, 0.8, 'min') },
        { figure: 'p99 ratio Beacon / baseline (median of paired rounds)', value: f2(p99r), target: '<= 1.5', verdict: verdict(p99r, 1.5, 'max') },
        { figure: 'same ratios from the pooled figures above', value: `${f2(b.rps / a.rps)} / ${f2(b.p99 / a.p99)}` },
        { figure: 'server CPU per request (µs): Beacon web / baseline', value: `${f0(cpu.beacon / (N * ROUNDS))} / ${f0(cpu.base / (N * ROUNDS))}` },
        { figure: 'server CPU ratio Beacon / baseline (noise-robust)', value: f2(cpu.beacon / cpu.base) },
      ],
      notes: [
        `paired round ratios, throughput: ${pairT.map(f2).join(', ')}; p99: ${pairP.map(f2).join(', ')}.`,
        `Redis work per request (INFO commandstats / total_net_input_bytes): Beacon ${perRequest(redisUse.beacon, N * ROUNDS)}; baseline ${perRequest(redisUse.base, N * ROUNDS)}.`,
        `${ROUNDS} interleaved rounds of ${N} distinct single-alert bodies per side after a 1000-request warm-up, ${C} requests in flight (node:http Agent keepAlive, load client in its own process); latency percentiles pooled over rounds.`,
        `per-round requests/s: Beacon ${b.perRound.map(f0).join(', ')}; baseline ${a.perRound.map(f0).join(', ')}.`,
        "Baseline: bare node:http server in its own process; reads the body, JSON.parse, sha256 job id, queue.add('alert.received') with Beacon's job options on its own queue/prefix. Beacon: startWeb() in its own process, no worker (jobs pile up in Redis for both).",
        'Server CPU per request is the child process user+system CPU time over the measured rounds divided by requests; it is less sensitive than requests/s to other load on the machine.',
        'Beacon additionally does bearer auth, zod validation, normalization, metrics and a Redis readiness check per request.',
      ],
    });
  } finally {
    await Promise.all([web.stop(), base.stop()]);
  }
}

// ---------------------------------------------------------------------------------------------
// 2 + 4 + 3. Storm (with slash-command acks sampled during it), then alert -> card
// ---------------------------------------------------------------------------------------------

const STORM_TOTAL = 10_000;
const STORM_DISTINCT = 200;
const STORM_INFLIGHT = 50;

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

/**
 * Timers (escalation, reminders, periodic summaries) are delayed jobs due minutes later by design;
 * they are not storm work, so "quiet" leaves out delayed jobs due more than TIMER_HORIZON_MS
 * ahead. Every nearer delayed job (the 1.5 s debounced alerts refresh) must have run.
 */
const TIMER_HORIZON_MS = 10_000;

/** src/jobs/scheduler.ts's debounce, read loosely so that a rename there cannot stop the bench. */
function debounceText(): string {
  const ms = (scheduler as Record<string, unknown>).ALERTS_DEBOUNCE_MS;
  return typeof ms === 'number' ? `${ms / 1000} s` : 'debounced';
}
const ignoredTimers = new Set<string>();

async function pendingDelayed(ctx: Ctx, prefix: string, queue: string): Promise<string[]> {
  const ids = await ctx.inspect.zrange(`{${prefix}}:${queue}:delayed`, 0, -1);
  const now = Date.now();
  const pending: string[] = [];
  for (const id of ids) {
    const [name, ts, delay] = await ctx.inspect.hmget(`{${prefix}}:${queue}:${id}`, 'name', 'timestamp', 'delay');
    const due = Number(ts ?? 0) + Number(delay ?? 0);
    if (due > now + TIMER_HORIZON_MS) ignoredTimers.add(name ?? '?');
    else pending.push(name ?? '?');
  }
  return pending;
}

async function beaconQuiet(ctx: Ctx, prefix: string, group: string, total: number): Promise<boolean> {
  const r = ctx.inspect;
  const lists = await Promise.all(
    ['intake', 'incidents'].flatMap((q) => [
      r.llen(`{${prefix}}:${q}:wait`),
      r.llen(`{${prefix}}:${q}:active`),
      r.zcard(`{${prefix}}:${q}:prioritized`),
      pendingDelayed(ctx, prefix, q).then((d) => d.length),
    ]),
  );
  if (lists.some((n) => n !== 0)) return false;
  return (await countedAlerts(ctx, prefix, group)) === total;
}

/** Notifications the incident of `group` has counted so far. */
async function countedAlerts(ctx: Ctx, prefix: string, group: string): Promise<number> {
  const keys = new Keys(prefix);
  const id = await ctx.inspect.get(keys.openGroup(`generic:${group}`));
  if (!id) return 0;
  let n = 0;
  for (const v of await ctx.inspect.hvals(keys.incidentAlerts(id))) n += (JSON.parse(v) as { count: number }).count;
  return n;
}

/** What the storm left behind, for a timeout message. */
async function beaconState(ctx: Ctx, prefix: string, group: string): Promise<string> {
  const r = ctx.inspect;
  const out: Record<string, number | string> = {};
  for (const q of ['intake', 'incidents']) {
    for (const l of ['wait', 'active']) out[`${q}:${l}`] = await r.llen(`{${prefix}}:${q}:${l}`);
    for (const l of ['delayed', 'prioritized', 'failed', 'completed']) out[`${q}:${l}`] = await r.zcard(`{${prefix}}:${q}:${l}`);
  }
  const keys = new Keys(prefix);
  const id = await r.get(keys.openGroup(`generic:${group}`));
  out.incident = id ?? 'none';
  if (id) {
    const vals = (await r.hvals(keys.incidentAlerts(id))).map((v) => JSON.parse(v) as { count: number });
    out.distinct = vals.length;
    out.counted = vals.reduce((n, v) => n + v.count, 0);
  }
  out.delayedNames = (await Promise.all(['intake', 'incidents'].map(async (q) => {
    const ids = await r.zrange(`{${prefix}}:${q}:delayed`, 0, -1);
    return Promise.all(ids.map(async (id) => `${q}:${(await r.hget(`{${prefix}}:${q}:${id}`, 'name')) ?? '?'}`));
  }))).flat().join(',');
  const failed = await r.zrange(`{${prefix}}:intake:failed`, 0, 0);
  if (failed[0]) out.firstFailedReason = (await r.hget(`{${prefix}}:intake:${failed[0]}`, 'failedReason')) ?? '';
  return JSON.stringify(out);
}

async function benchStormAndCard(ctx: Ctx): Promise<void> {
  const prefix = 'bench-storm';
  const ROUNDS = Number(process.env.BENCH_STORM_ROUNDS ?? 3);
  const web = await Child.start('web', { type: 'start', role: 'web', env: env(ctx, prefix) });
  const worker = await Child.start('worker', { type: 'start', role: 'worker', env: env(ctx, prefix) });
  const { sim } = ctx;
  sim.setRequestUrl(`http://127.0.0.1:${web.port}/slack/events`);
  const general = sim.channelByName('general')!;
  const ack: { ms: number; duringIngest: boolean }[] = [];
  let ackStatusBad = 0;
  interface StormRound {
    beaconMs: number;
    beaconIngestMs: number;
    /** First request until the incident had counted all 10,000 (before the debounced refresh ran). */
    countedMs: number;
    /** CPU seconds used during the round by each process. */
    cpu: { web: number; worker: number; redis: number };
    baseCpu: { web: number; worker: number; redis: number };
    redisUse: Map<string, number>;
    baseRedisUse: Map<string, number>;
    baseMs: number;
    baseIngestMs: number;
    calls: number;
    authTests: number;
    acks: number;
    byMethod: Record<string, number>;
  }
  const rounds: StormRound[] = [];

  /** Beacon: from the first request until quiet; /incident help acks sampled meanwhile (item 4). */
  const beaconStorm = async (group: string, total: number, ackCap: number) => {
    const bodies = stormBodies(group, total);
    const callsBefore = sim.calls.length;
    const acksBefore = ack.length;
    const cpu0 = { web: await web.cpuUs(), worker: await worker.cpuUs(), redis: await redisCpu(ctx) };
    const redis0 = await redisCounters(ctx);
    let ingestDone = false;
    let quiet = false;
    const sampler = (async () => {
      await sleep(100); // let the storm get going first
      while (!quiet && ack.length < ackCap) {
        const d = await sim.slashCommand({ text: 'help', channelId: general.id, userId: 'U0000001' });
        if (d.status !== 200) ackStatusBad++;
        ack.push({ ms: d.ms, duringIngest: !ingestDone });
        await sleep(20);
      }
    })();
    const load = await ctx.loader.load({ port: web.port!, path: '/webhooks/generic', bodies, concurrency: STORM_INFLIGHT, headers: HEADERS });
    ingestDone = true;
    const beaconIngestMs = load.elapsedMs;
    let countedMs = NaN;
    try {
      if (Object.keys(load.bad).length) throw new Error(`storm answered ${JSON.stringify(load.bad)}`);
      await waitUntil(async () => (await countedAlerts(ctx, prefix, group)) === total, 120_000, 10, 'every alert counted').catch(() => {});
      countedMs = epochNow() - load.startedAt;
      await waitUntil(() => beaconQuiet(ctx, prefix, group, total), 120_000, 25, 'Beacon storm to go quiet').catch(async (err: Error) => {
        throw new Error(`${err.message}; state: ${await beaconState(ctx, prefix, group)}`);
      });
    } finally {
      quiet = true;
      await sampler;
    }
    const beaconMs = epochNow() - load.startedAt;
    const cpu = { web: ((await web.cpuUs()) - cpu0.web) / 1e6, worker: ((await worker.cpuUs()) - cpu0.worker) / 1e6, redis: (await redisCpu(ctx)) - cpu0.redis };
    const calls = sim.calls.slice(callsBefore);
    const byMethod: Record<string, number> = {};
    for (const c of calls) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
    const redisUse = new Map<string, number>();
    addCounters(redisUse, redis0, await redisCounters(ctx));
    return { beaconMs, beaconIngestMs, countedMs, cpu, redisUse, calls: calls.length, authTests: byMethod['auth.test'] ?? 0, acks: ack.length - acksBefore, byMethod };
  };

  /** Baseline: the same requests to the bare server, a no-op Worker draining its queue. */
  // The baseline's processes live through all rounds, as Beacon's do; one queue, counted per round.
  const baseQueue = 'storm';
  const basePrefix = '{bench-base-storm}';
  const bweb = await Child.start('base-web', { type: 'start', role: 'base-web', env: env(ctx, prefix), queue: baseQueue, prefix: basePrefix });
  // The no-op worker gets the concurrency Beacon's own intake Worker runs with.
  const baseConcurrency = worker.concurrency.intake ?? WORKER_CONCURRENCY;
  const bworker = await Child.start('base-worker', { type: 'start', role: 'base-worker', env: env(ctx, prefix), queue: baseQueue, prefix: basePrefix, concurrency: baseConcurrency });
  const watch = new Queue(baseQueue, { connection: connect(ctx.redis.url, 'blocking', 'bench-watch'), prefix: basePrefix });

  /** Baseline: the same requests to the bare server, a no-op Worker draining its queue. */
  const baseStorm = async (group: string, total: number) => {
    const bodies = stormBodies(group, total);
    const before = (await watch.getJobCounts('completed')).completed ?? 0;
    const cpu0 = { web: await bweb.cpuUs(), worker: await bworker.cpuUs(), redis: await redisCpu(ctx) };
    const redis0 = await redisCounters(ctx);
    const bl = await ctx.loader.load({ port: bweb.port!, path: '/webhooks/generic', bodies, concurrency: STORM_INFLIGHT, headers: HEADERS });
    const baseIngestMs = bl.elapsedMs;
    if (Object.keys(bl.bad).length) throw new Error(`baseline storm answered ${JSON.stringify(bl.bad)}`);
    await waitUntil(
      async () => {
        const c = await watch.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed');
        return c.wait === 0 && c.active === 0 && c.delayed === 0 && c.prioritized === 0 && c.completed === before + total;
      },
      120_000,
      25,
      'baseline storm to drain',
    );
    const baseMs = epochNow() - bl.startedAt;
    const baseCpu = { web: ((await bweb.cpuUs()) - cpu0.web) / 1e6, worker: ((await bworker.cpuUs()) - cpu0.worker) / 1e6, redis: (await redisCpu(ctx)) - cpu0.redis };
    const baseRedisUse = new Map<string, number>();
    addCounters(baseRedisUse, redis0, await redisCounters(ctx));
    return { baseMs, baseIngestMs, baseCpu, baseRedisUse };
  };

  // Reference for item 4: the same command on the idle web process, before any storm.
  const idleAck: number[] = [];
  for (let i = 0; i < 50; i++) {
    idleAck.push((await sim.slashCommand({ text: 'help', channelId: general.id, userId: 'U0000001' })).ms);
    await sleep(10);
  }

  try {
    // Warm-up storms of 1,000 on both sides (JIT, scripts, the first incident's Slack set-up).
    await beaconStorm('warm-up-storm', 1000, 0);
    await baseStorm('warm-up-storm', 1000);
    await Promise.all([web.resetRss(), worker.resetRss(), bweb.resetRss(), bworker.resetRss()]);
    for (let r = 0; r < ROUNDS; r++) {
      const group = `checkout-storm-${r}`;
      // Slash-command samples spread over the rounds so that every round carries the same load.
      const ackCap = Math.ceil((200 * (r + 1)) / ROUNDS);
      // Alternate which side goes first, so drift on a noisy machine hits both.
      if (r % 2 === 0) {
        const b = await beaconStorm(group, STORM_TOTAL, ackCap);
        rounds.push({ ...b, ...(await baseStorm(group, STORM_TOTAL)) });
      } else {
        const a = await baseStorm(group, STORM_TOTAL);
        rounds.push({ ...(await beaconStorm(group, STORM_TOTAL, ackCap)), ...a });
      }
      const x = rounds[rounds.length - 1]!;
      console.log(`  storm round ${r + 1}: Beacon ${f2(x.beaconMs / 1000)} s (all counted at ${f2(x.countedMs / 1000)} s), baseline ${f2(x.baseMs / 1000)} s, Slack calls ${x.calls} (auth.test ${x.authTests}, acks sampled ${x.acks})`);
    }
    ctx.rss.push({ process: 'baseline web', phase: '2 storm', mb: mb(await bweb.peakRss()) });
    ctx.rss.push({ process: 'baseline worker', phase: '2 storm', mb: mb(await bworker.peakRss()) });
    ctx.rss.push({ process: 'web', phase: '2 storm', mb: mb(await web.peakRss()) });
    ctx.rss.push({ process: 'worker', phase: '2 storm', mb: mb(await worker.peakRss()) });
    const km = await worker.memory(true);
    ctx.memNotes.push(
      `worker right after startWorker(): RSS ${f0(mb(worker.startRss))} MB, heap used ${f0(mb(worker.startHeap))} MB; after the storm: RSS ${f0(mb(km.now))} MB, heap used/total ${f0(mb(km.heapUsed))}/${f0(mb(km.heapTotal))} MB (${f0(mb(km.retained ?? NaN))} MB after a forced full GC).`,
    );
    const ratios = rounds.map((x) => x.beaconMs / x.baseMs);
    const cpuStr = (cs: { web: number; worker: number; redis: number }[]) => {
      const m = (k: 'web' | 'worker' | 'redis') => median(cs.map((c) => c[k]));
      return `${f2(m('web'))} + ${f2(m('worker'))} + ${f2(m('redis'))}`;
    };
    const ratio = median(ratios);
    // Bolt (tokenVerificationEnabled: false) calls auth.test on every request it receives, so each
    // sampled slash command adds one auth.test; those belong to item 4, not to the storm.
    const own = rounds.map((x) => x.calls - Math.min(x.acks, x.authTests));
    const worstOwn = Math.max(...own);
    addSection({
      title: '2. Alert storm: 10,000 alerts, 200 distinct, one group',
      rows: [
        { figure: 'Beacon: first request to quiet queue (s, median)', value: f2(median(rounds.map((x) => x.beaconMs)) / 1000) },
        { figure: 'Beacon: of which sending the 10,000 requests (s, median)', value: f2(median(rounds.map((x) => x.beaconIngestMs)) / 1000) },
        { figure: 'Beacon: of which until all 10,000 were counted (s, median)', value: f2(median(rounds.map((x) => x.countedMs)) / 1000) },
        { figure: 'baseline: first request to drained queue (s, median)', value: f2(median(rounds.map((x) => x.baseMs)) / 1000) },
        { figure: 'baseline: of which sending the 10,000 requests (s, median)', value: f2(median(rounds.map((x) => x.baseIngestMs)) / 1000) },
        { figure: 'time ratio Beacon / baseline (median of paired rounds)', value: f2(ratio), target: '<= 1.3', verdict: verdict(ratio, 1.3, 'max') },
        { figure: 'CPU s per storm, Beacon web + worker + redis (median)', value: cpuStr(rounds.map((x) => x.cpu)) },
        { figure: 'CPU s per storm, baseline web + worker + redis (median)', value: cpuStr(rounds.map((x) => x.baseCpu)) },
        { figure: 'ratio with Beacon stopped at "all counted" (median of paired rounds), for context', value: f2(median(rounds.map((x) => x.countedMs / x.baseMs))) },
        { figure: "Slack API calls caused by the storm (worst round)", value: String(worstOwn), target: '<= 30', verdict: verdict(worstOwn, 30, 'max') },
        { figure: 'Slack API calls seen during the storm, incl. item 4 (worst round)', value: String(Math.max(...rounds.map((x) => x.calls))) },
      ],
      notes: [
        `A warm-up storm of 1,000 on each side, then ${ROUNDS} rounds, each a new alert group (so a new incident); Beacon and baseline alternate going first; all four processes live through all rounds. Paired ratios: ${ratios.map(f2).join(', ')}.`,
        ...rounds.map((x, i) => `round ${i + 1}: Beacon ${f2(x.beaconMs / 1000)} s (requests ${f2(x.beaconIngestMs / 1000)} s, all counted ${f2(x.countedMs / 1000)} s), baseline ${f2(x.baseMs / 1000)} s (requests ${f2(x.baseIngestMs / 1000)} s); Slack calls ${JSON.stringify(x.byMethod)}, ${x.acks} slash commands sampled.`),
        `One alert per request, ${STORM_INFLIGHT} requests in flight. Beacon: web and worker (WORKER_CONCURRENCY=${WORKER_CONCURRENCY}; Worker concurrency by queue ${JSON.stringify(worker.concurrency)}) in separate processes; quiet = intake and incidents wait/active/prioritized empty, no delayed job due within ${TIMER_HORIZON_MS / 1000} s (timers left out: ${[...ignoredTimers].join(', ') || 'none seen'}), and the incident's alerts hash counts 10,000 (polled every 25 ms; includes the ${debounceText()} alerts-message debounce).`,
        `Redis work per alert in the last round (INFO commandstats, includes the bench's own polling of the queue and the alerts hash): Beacon ${perRequest(rounds[rounds.length - 1]!.redisUse, STORM_TOTAL)}; baseline ${perRequest(rounds[rounds.length - 1]!.baseRedisUse, STORM_TOTAL)}.`,
        'CPU seconds: user+system time of each process over the round (redis-server from INFO cpu); with 2 cores shared by all of them, the wall time cannot be much below (sum of CPU) / 2.',
        `Baseline: bare server + a no-op BullMQ Worker (concurrency ${baseConcurrency}, as Beacon's intake Worker) in two processes; drained = wait/active/delayed/prioritized empty and 10,000 completed.`,
        "Storm's own calls = all calls in the window minus its auth.test calls, up to one per slash command sampled during it: Bolt's single-token authorize called auth.test before every incoming Slack request until src/slack/authorize.ts cached it (commit 0b79d2a); with the cache this subtracts nothing.",
      ],
    });
  } catch (err) {
    notDone.push(`2. storm: ${(err as Error).message}`);
    console.error(err);
  } finally {
    await watch.close();
    await Promise.all([bweb.stop(), bworker.stop()]);
  }

  // --- 4. slash-command ack during the storm ---
  if (ack.length) {
    const all = ack.map((a) => a.ms);
    const during = ack.filter((a) => a.duringIngest).map((a) => a.ms);
    const p99 = pct(all, 99);
    addSection({
      title: '4. Slash command ack while the storm runs',
      rows: [
        { figure: `/incident help ack p50 / p99 (ms), ${all.length} samples`, value: `${f0(pct(all, 50))} / ${f0(p99)}` },
        { figure: 'p99 ack (ms)', value: f0(p99), target: '< 50', verdict: p99 < 50 ? 'met' : verdict(p99, 50, 'max') },
        { figure: `  while the requests were arriving: p50 / p99 (ms), ${during.length} samples`, value: during.length ? `${f0(pct(during, 50))} / ${f0(pct(during, 99))}` : '-' },
        { figure: `  reference, idle web before the storm: p50 / p99 (ms), ${idleAck.length} samples`, value: `${f0(pct(idleAck, 50))} / ${f0(pct(idleAck, 99))}` },
      ],
      notes: [
        'sim.slashCommand() (signed form POST through fetch to /slack/events) one at a time with 20 ms pauses, from 100 ms after each storm round started until its queue was quiet, at most 200 samples spread evenly over the rounds; ms is as the simulator measures it (whole milliseconds).',
        'The simulator and this sampler run in the bench process; the storm load client runs in a process of its own. Slack calls per ack are visible in item 2 (auth.test count).',
        ...(ackStatusBad ? [`${ackStatusBad} acks were not HTTP 200.`] : []),
      ],
    });
  } else notDone.push('4. slash-command ack: no samples taken');

  // --- 3. alert -> card, on the same (now quiet) Beacon ---
  try {
    const SAMPLES = 50;
    const toCard: number[] = [];
    const to202: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const body = JSON.stringify({
        title: `Card latency probe ${i}: payment errors`,
        severity: 'critical',
        service: `svc-${i}`,
        group: `card-probe-${i}`,
        fingerprint: `card-probe-${i}`,
        description: 'payment_success_rate fell from 99% to 38%',
      });
      const from = sim.calls.length;
      const started = Date.now();
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${web.port}/webhooks/generic`, { method: 'POST', headers: HEADERS, body });
      await res.text();
      to202.push(performance.now() - t);
      if (res.status !== 202) throw new Error(`alert answered ${res.status}`);
      let card: { at: number } | undefined;
      await waitUntil(
        () => {
          for (let k = from; k < sim.calls.length; k++) {
            const c = sim.calls[k]!;
            const key = (c.params.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
            if (c.method === 'chat.postMessage' && c.ok && typeof key === 'string' && key.endsWith(':card')) {
              card = c;
              return true;
            }
          }
          return false;
        },
        15_000,
        2,
        `card of probe ${i}`,
      );
      toCard.push(card!.at - started);
      // Let the incident's follow-ups (alerts message, topic) finish before the next sample.
      await sleep(50);
    }
    const p50 = pct(toCard, 50);
    ctx.rss.push({ process: 'web', phase: '3 alert->card', mb: mb(await web.peakRss()) });
    ctx.rss.push({ process: 'worker', phase: '3 alert->card', mb: mb(await worker.peakRss()) });
    addSection({
      title: '3. Alert to incident card',
      rows: [
        { figure: `request start -> card posted: p50 (ms), ${SAMPLES} samples`, value: f0(p50), target: '< 150', verdict: p50 < 150 ? 'met' : verdict(p50, 150, 'max') },
        { figure: 'request start -> card posted: p99 (ms)', value: f0(pct(toCard, 99)) },
        { figure: 'request -> 202: p50 / p99 (ms)', value: `${f1(pct(to202, 50))} / ${f1(pct(to202, 99))}` },
      ],
      notes: [
        "Each sample a new alert group (new incident), sent sequentially after the storm; end time is the simulator's recorded `at` of the chat.postMessage whose metadata key ends in ':card' (Date.now() resolution, same clock as the start).",
        'The card is posted after the channel is created (conversations.create, invites, topic), so this includes every Slack call before it.',
      ],
    });
  } catch (err) {
    notDone.push(`3. alert -> card: ${(err as Error).message}`);
    console.error(err);
  } finally {
    await Promise.all([web.stop(), worker.stop()]);
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Timeline events persisted per second vs raw BullMQ no-op processing
// ---------------------------------------------------------------------------------------------

async function drain(ctx: Ctx, queueName: string, prefix: string, n: number, process: (data: any) => Promise<void>): Promise<number> {
  const conn = connect(ctx.redis.url, 'blocking', 'bench-tl');
  const q = new Queue(queueName, { connection: conn, prefix });
  for (let i = 0; i < n; i += 500) {
    await q.addBulk(
      Array.from({ length: Math.min(500, n - i) }, (_, k) => {
        const j = i + k;
        const event: TimelineEvent = { id: `${queueName}-${j}`, kind: 'note', at: new Date().toISOString(), actor: 'U0000001', text: `note ${j} from the bench` };
        return { name: 'timeline.append', data: { incidentId: `bench-${j % 10}`, event }, opts: { removeOnComplete: true } };
      }),
    );
  }
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  const t = performance.now();
  const w = new Worker(queueName, async (job) => process(job.data), { connection: conn, prefix, concurrency: WORKER_CONCURRENCY });
  w.on('completed', () => {
    if (++done === n) finished();
  });
  w.on('failed', (_j, err) => console.error('timeline bench job failed', err.message));
  await Promise.race([all, sleep(120_000).then(() => Promise.reject(new Error(`${queueName}: ${done}/${n} after 120 s`)))]);
  const ms = performance.now() - t;
  await w.close();
  await q.obliterate({ force: true });
  await q.close();
  conn.disconnect();
  return (n / ms) * 1000;
}

async function benchTimeline(ctx: Ctx): Promise<void> {
  const N = 5000;
  const ROUNDS = 5;
  const keys = new Keys('bench-tl');
  const conn = connect(ctx.redis.url, 'command', 'bench-tl-store');
  const timeline = new TimelineStore(conn, keys);
  const rates = { noop: [] as number[], timeline: [] as number[] };
  try {
    // Warm-up of both paths (script load, JIT).
    await drain(ctx, 'warm-noop', '{bench-tl}', 500, async () => {});
    await drain(ctx, 'warm-tl', '{bench-tl}', 500, async (d) => void (await timeline.append(d.incidentId, d.event)));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['noop', 'timeline'] as const) : (['timeline', 'noop'] as const);
      for (const side of order) {
        rates[side].push(
          await drain(ctx, `${side}-${r}`, '{bench-tl}', N, side === 'noop' ? async () => {} : async (d) => void (await timeline.append(d.incidentId, d.event))),
        );
      }
    }
    let stored = 0;
    for (let i = 0; i < 10; i++) stored += await timeline.count(`bench-${i}`);
    const tl = median(rates.timeline);
    const noop = median(rates.noop);
    const pairs = rates.timeline.map((t, i) => t / rates.noop[i]!);
    const ratio = median(pairs);
    addSection({
      title: '5. Timeline events persisted per second',
      rows: [
        { figure: 'TimelineStore.append via BullMQ worker: events/s', value: f0(tl) },
        { figure: 'raw BullMQ no-op worker: jobs/s', value: f0(noop) },
        { figure: 'ratio timeline / no-op (median of paired rounds)', value: f2(ratio), target: '>= 0.5', verdict: verdict(ratio, 0.5, 'min') },
      ],
      notes: [
        `${ROUNDS} interleaved rounds of ${N} pre-enqueued jobs each (10 incidents), one Worker of concurrency ${WORKER_CONCURRENCY} in the bench process, timed from Worker start to the last 'completed'; medians of rounds.`,
        `paired ratios: ${pairs.map(f2).join(', ')}; ratio of the medians above: ${f2(tl / noop)}.`,
        `per-round: timeline ${rates.timeline.map(f0).join(', ')}; no-op ${rates.noop.map(f0).join(', ')}. Stream entries stored: ${stored} (expected ${N * ROUNDS + 500}).`,
      ],
    });
  } finally {
    conn.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Peak RSS
// ---------------------------------------------------------------------------------------------

function reportRss(ctx: Ctx, mainPeak: number, loadPeak: number): void {
  const peakOf = (p: string) => Math.max(-Infinity, ...ctx.rss.filter((r) => r.process === p).map((r) => r.mb));
  const rows: Row[] = [];
  for (const p of ['web', 'worker']) {
    const v = peakOf(p);
    if (!Number.isFinite(v)) continue;
    rows.push({ figure: `${p} process: peak RSS (MB)`, value: f1(v), target: '< 150', verdict: v < 150 ? 'met' : verdict(v, 150, 'max') });
  }
  for (const r of ctx.rss) rows.push({ figure: `  ${r.process} during ${r.phase} (MB)`, value: f1(r.mb) });
  rows.push({ figure: 'bench process (Slack simulator, watchers, item 5 worker), for context (MB)', value: f1(mb(mainPeak)) });
  rows.push({ figure: 'load-client process, for context (MB)', value: f1(mb(loadPeak)) });
  addSection({
    title: '6. Peak RSS',
    rows,
    notes: [
      'web and worker are separate processes (bench/child.ts), each sampling process.memoryUsage.rss() every 50 ms; the peak is read at the end of each phase and reset after warm-up in phase 1.',
      ...ctx.memNotes,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function writeReport(): void {
  const cpu = cpus();
  const lines = [
    '# Beacon benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts) from one run; every ratio compares figures measured in that same run.',
    '',
    `- Date: ${startedAt.toISOString()}`,
    `- Machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${f1(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}`,
    `- Node ${process.version}; Redis: private redis-server started by the bench (no persistence)`,
    `- Server-side processes: ${childMode || '(not started)'}`,
    '- Everything (load client, Slack simulator, redis-server, Beacon web and worker, baselines) shares this machine, so the figures are noisy; the baselines are measured interleaved with Beacon to share the noise.',
    '',
  ];
  for (const s of sections) {
    lines.push(`## ${s.title}`, '', '| figure | value | target | result |', '|---|---:|---|---|');
    for (const r of s.rows) lines.push(`| ${r.figure.trim()} | ${r.value} | ${r.target ?? ''} | ${r.verdict ?? ''} |`);
    lines.push('');
    for (const n of s.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  if (notDone.length) {
    lines.push('## Not measured in this run', '');
    for (const n of notDone) lines.push(`- ${n}`);
    lines.push('');
  }
  const findings = new URL('./findings.md', import.meta.url);
  if (existsSync(findings)) lines.push(readFileSync(findings, 'utf8').trimEnd(), '');
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), lines.join('\n'));
}

async function main(): Promise<void> {
  let mainPeak = process.memoryUsage.rss();
  const sampler = setInterval(() => (mainPeak = Math.max(mainPeak, process.memoryUsage.rss())), 50);
  sampler.unref();
  const redis = await startRedisServer();
  const sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  await sim.start();
  const inspect = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  inspect.on('error', () => {});
  childMode = await prepareChildren();
  const loader = await Child.start('load', { type: 'start', role: 'load', env: {} });
  const ctx: Ctx = { redis, sim, inspect, loader, rss: [], memNotes: [] };
  console.log(`bench: ${cpus().length} x ${cpus()[0]?.model.trim()}, node ${process.version}, redis ${redis.url}`);
  const steps: [string, () => Promise<void>][] = [
    ['1. webhook ingest', () => benchIngest(ctx)],
    ['2-4. storm, slash ack, alert -> card', () => benchStormAndCard(ctx)],
    ['5. timeline', () => benchTimeline(ctx)],
  ];
  const only = process.env.BENCH_ONLY?.split(',');
  try {
    for (const [name, fn] of steps) {
      if (only && !only.some((o) => name.startsWith(o))) continue;
      console.log(`\n... ${name}`);
      try {
        await fn();
      } catch (err) {
        notDone.push(`${name}: ${(err as Error).message}`);
        console.error(err);
      }
    }
    reportRss(ctx, mainPeak, await loader.peakRss());
  } finally {
    writeReport();
    await loader.stop();
    inspect.disconnect();
    await sim.stop();
    await redis.stop();
  }
  console.log('\nwrote BENCHMARKS.md');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

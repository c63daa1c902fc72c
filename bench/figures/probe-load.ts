/**
 * 8. 500 probes every 10 s on one worker: 50 runbooks of 10 `http` probes each against a local
 * gateway that answers 200 at once. After every probe has run once and a short warm-up, a window
 * of three whole periods: the worker's CPU and peak RSS, the runs per second against the 50
 * expected, how the runs spread over the period (by second, from the gateway's arrival times), and
 * how late each run started against its scheduler's slot.
 */
import type { Queue } from 'bullmq';
import { QUEUES } from '../../src/jobs/catalog.js';
import { Keys } from '../../src/keys.js';
import type { ProbeState } from '../../src/probes/store.js';
import type { BenchContext } from '../context.js';
import { Child, f0, f1, f2, mb, pct, sleep, verdict, waitUntil } from '../lib.js';
import { Gateway, runbookDir, startProbeWorker, type Arrival, type RunbookSpec } from '../probe-kit.js';
import { dueDelayed } from '../queue-watch.js';
import { addCounters, perRequest, redisCounters, redisCpu } from '../redis-stats.js';
import type { Section } from '../report.js';

const RUNBOOKS = 50;
const CHECKS = 10;
const PROBES = RUNBOOKS * CHECKS;
const EVERY_MS = 10_000;
const PERIODS = 3;
const WINDOW_MS = PERIODS * EVERY_MS;
const WARM_UP_MS = 5000;
const EXPECTED_PER_S = PROBES / (EVERY_MS / 1000);
const SPREAD_TARGET = 2;
const RSS_TARGET_MB = 150;

const pathOf = (runbook: string, check: string) => `/p/${runbook}/${check}`;

function specs(gw: Gateway): RunbookSpec[] {
  return Array.from({ length: RUNBOOKS }, (_, r) => {
    const name = `load-${String(r + 1).padStart(2, '0')}`;
    return {
      name,
      service: `svc-${r + 1}`,
      checks: Array.from({ length: CHECKS }, (_, c) => ({ id: `c${c}`, url: gw.url(pathOf(name, `c${c}`)) })),
      every: `${EVERY_MS / 1000}s`,
      openAfter: 2,
      closeAfter: 2,
      title: 'bench upstream',
    };
  });
}

interface Measured {
  wallMs: number;
  runs: Arrival[];
  workerCpuS: number;
  redisCpuS: number;
  redisUse: Map<string, number>;
  peakRssMb: number;
  /** Heap still in use after a forced full GC at the end of the window, MB. */
  retainedMb: number;
  /** Scheduler offset by gateway path. */
  offsets: Map<string, number>;
  backlog: { waiting: number; active: number; overdue: number; stale: number; failed: number };
}

/** Runs by second of the period (the arrival's epoch ms modulo the period, as BullMQ aligns slots). */
function bySecond(times: number[]): number[] {
  const b = new Array<number>(EVERY_MS / 1000).fill(0);
  for (const t of times) b[Math.floor((t % EVERY_MS) / 1000)]!++;
  return b;
}

const spread = (b: number[]) => Math.max(...b) / (b.reduce((a, n) => a + n, 0) / b.length);

/** Each probe scheduler's offset within the period, by the gateway path its check asks. */
async function offsets(q: Queue): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of await q.getJobSchedulers(0, -1)) {
    const d = s.template?.data as { runbook?: string; check?: string } | undefined;
    if (d?.runbook && d.check) out.set(pathOf(d.runbook, d.check), s.offset ?? 0);
  }
  return out;
}

/** What is left behind at the end: jobs waiting or active, delayed jobs overdue, probes not run for a period. */
async function backlog(ctx: BenchContext, q: Queue, keys: Keys): Promise<Measured['backlog']> {
  const c = await ctx.watch.counts(q, 'wait', 'active', 'failed');
  const overdue = (await dueDelayed(q, -1000, new Set())).length;
  const states = Object.values(await ctx.inspect.hgetall(keys.probes())).map((v) => JSON.parse(v) as ProbeState);
  const stale = states.filter((s) => !s.lastRunAt || Date.parse(s.lastRunAt) < Date.now() - EVERY_MS - 2000).length + Math.max(0, PROBES - states.length);
  return { waiting: c.wait, active: c.active, overdue, stale, failed: c.failed };
}

async function measure(ctx: BenchContext, gw: Gateway, worker: Child, keys: Keys): Promise<Measured> {
  const q = ctx.watch.queue(keys.queuePrefix, QUEUES.timers);
  await worker.resetRss();
  const cpu0 = await worker.cpuUs();
  const redis0 = await redisCpu(ctx.inspect);
  const cmds0 = await redisCounters(ctx.inspect);
  const t0 = Date.now();
  await sleep(WINDOW_MS);
  const t1 = Date.now();
  const workerCpuS = ((await worker.cpuUs()) - cpu0) / 1e6;
  const redisCpuS = (await redisCpu(ctx.inspect)) - redis0;
  const redisUse = new Map<string, number>();
  addCounters(redisUse, cmds0, await redisCounters(ctx.inspect));
  const mem = await worker.memory(true);
  const peakRssMb = mb(mem.peak);
  const runs = gw.arrivals.filter((a) => a.at >= t0 && a.at < t1);
  return { wallMs: t1 - t0, runs, workerCpuS, redisCpuS, redisUse, peakRssMb, retainedMb: mb(mem.retained ?? NaN), offsets: await offsets(q), backlog: await backlog(ctx, q, keys) };
}

export async function probeLoad(ctx: BenchContext): Promise<Section> {
  const gw = await Gateway.start();
  const keys = new Keys('bench-probe-load');
  const dir = runbookDir(specs(gw));
  const started = Date.now();
  const worker = await startProbeWorker(ctx, keys.prefix, dir.path).catch(async (err: Error) => {
    await gw.close();
    dir.remove();
    throw err;
  });
  try {
    const startMs = Date.now() - started;
    const distinct = () => new Set(gw.arrivals.map((a) => a.path)).size;
    await waitUntil(() => distinct() >= PROBES, 3 * EVERY_MS, 200, `all ${PROBES} probes to run once`).catch((err: Error) => {
      throw new Error(`${err.message} (${distinct()} did)`);
    });
    const firstRoundMs = Date.now() - started;
    await sleep(WARM_UP_MS);
    const m = await measure(ctx, gw, worker, keys);
    console.log(`  probe load: ${m.runs.length} runs in ${f1(m.wallMs / 1000)} s, worker CPU ${f2(m.workerCpuS)} s, peak RSS ${f1(m.peakRssMb)} MB`);
    return section(m, { startMs, firstRoundMs, startRssMb: mb(worker.startRss) });
  } finally {
    await worker.stop();
    await gw.close();
    dir.remove();
  }
}

/** How late each run reached the gateway after its slot (slot = k × period + the scheduler's offset), ms. */
function lags(m: Measured): number[] {
  return m.runs.map((a) => {
    const lag = (((a.at - (m.offsets.get(a.path) ?? 0)) % EVERY_MS) + EVERY_MS) % EVERY_MS;
    return lag > EVERY_MS / 2 ? lag - EVERY_MS : lag;
  });
}

function section(m: Measured, start: { startMs: number; firstRoundMs: number; startRssMb: number }): Section {
  const wallS = m.wallMs / 1000;
  const perS = m.runs.length / wallS;
  const buckets = bySecond(m.runs.map((a) => a.at));
  const ratio = spread(buckets);
  const offsetBuckets = bySecond([...m.offsets.values()]);
  const perProbe = new Map<string, number>();
  for (const a of m.runs) perProbe.set(a.path, (perProbe.get(a.path) ?? 0) + 1);
  const counts = [...perProbe.values()];
  const lag = lags(m);
  const b = m.backlog;
  const keptUp = perS >= EXPECTED_PER_S * 0.95 && b.waiting + b.overdue + b.stale === 0;
  return {
    title: `8. ${PROBES} probes every ${EVERY_MS / 1000} s on one worker`,
    rows: [
      { figure: `runs per second over ${PERIODS} periods (expected ${EXPECTED_PER_S})`, value: f1(perS), target: `>= ${f1(EXPECTED_PER_S * 0.95)}`, verdict: verdict(perS, EXPECTED_PER_S * 0.95, 'min') },
      { figure: `probes that ran / runs of one probe, min-max (expected ${PROBES}, ${PERIODS})`, value: `${perProbe.size}, ${Math.min(...counts)}-${Math.max(...counts)}` },
      { figure: 'spread: runs in the busiest second of the period / mean second', value: f2(ratio), target: `<= ${SPREAD_TARGET}`, verdict: verdict(ratio, SPREAD_TARGET, 'max') },
      { figure: '  runs by second of the period, 0-9', value: buckets.join(' ') },
      { figure: '  schedulers by second of their offset, 0-9 (for context)', value: offsetBuckets.join(' ') },
      { figure: 'run reaching the gateway after its slot: p50 / p99 / max (ms)', value: `${f0(pct(lag, 50))} / ${f0(pct(lag, 99))} / ${f0(Math.max(...lag))}` },
      { figure: 'worker CPU share (user+system CPU s / wall s)', value: f2(m.workerCpuS / wallS), target: 'none set (1.00 = one core)', verdict: 'n/a' },
      { figure: '  worker CPU per run (ms)', value: f2((m.workerCpuS * 1000) / m.runs.length) },
      { figure: '  redis-server CPU share, for context', value: f2(m.redisCpuS / wallS) },
      { figure: `worker peak RSS in the window (MB)`, value: f1(m.peakRssMb), target: `< ${RSS_TARGET_MB}`, verdict: m.peakRssMb < RSS_TARGET_MB ? 'met' : verdict(m.peakRssMb, RSS_TARGET_MB, 'max') },
      { figure: 'at the end: timers waiting + active, delayed overdue > 1 s, probes not run for a period, failed', value: `${b.waiting} + ${b.active}, ${b.overdue}, ${b.stale}, ${b.failed}` },
    ],
    notes: [
      keptUp
        ? `The worker kept up: ${f1(perS)} runs/s of ${EXPECTED_PER_S}, nothing waiting or overdue at the end, every probe run within the last period.`
        : `The worker did NOT keep up: ${f1(perS)} runs/s of ${EXPECTED_PER_S}; at the end ${b.waiting} waiting, ${b.overdue} delayed jobs overdue by more than 1 s, ${b.stale} probes not run for over a period.`,
      `${RUNBOOKS} runbooks × ${CHECKS} \`http\` checks, each with \`every: ${EVERY_MS / 1000}s\`, against a node:http server in the bench process answering 200 at once (one path per probe); one Beacon worker (bench/child.ts, WORKER_CONCURRENCY as the other figures, RUNBOOKS_DIR a temporary folder) and no web. The worker started in ${f1(start.startMs / 1000)} s (${PROBES} job schedulers upserted), every probe had run once ${f1(start.firstRoundMs / 1000)} s after the start; then ${WARM_UP_MS / 1000} s of warm-up and a window of ${PERIODS} whole periods (${f1(wallS)} s), so each second of the period is seen ${PERIODS} times.`,
      'A run is counted when its request reaches the gateway (each run makes one). Spread: arrivals bucketed by second of the period (epoch ms modulo the period, as BullMQ aligns `every` slots); all runs at the start of the period would give 10, an even spread 1. Lag: arrival minus the slot, k × period + the scheduler\'s offset read with getJobSchedulers (folded into ± half a period).',
      `CPU share: the worker's user+system CPU time over the window divided by the window (process.cpuUsage in the child), as the other figures measure CPU; the issue sets no CPU target. Worker RSS right after startWorker(): ${f0(start.startRssMb)} MB; the peak is reset at the start of the window and sampled every 50 ms; heap still used after a forced full GC at the end: ${f0(m.retainedMb)} MB.`,
      `Redis work per run in the window (INFO commandstats, includes the bench's own few reads): ${perRequest(m.redisUse, Math.max(1, m.runs.length))}.`,
    ],
  };
}

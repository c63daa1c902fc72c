/**
 * 7. Credentials change to the incident's first message, caught by a probe: a local gateway
 * answers a runbook's `http` probe (every 10 s, open_after 2) with 200, then at a moment within the
 * period starts answering 401; timed from that switch to the probe incident's card
 * (chat.postMessage in the Slack simulator). One runbook per round, so each round is a new probe
 * and a new incident; all of them run on one Beacon worker started for this figure.
 */
import { Keys } from '../../src/keys.js';
import type { BenchContext } from '../context.js';
import { f0, f1, sleep, verdict, waitUntil } from '../lib.js';
import { Gateway, runbookDir, startProbeWorker, type Arrival, type RunbookSpec } from '../probe-kit.js';
import type { Section } from '../report.js';
import { findCard } from './card-latency.js';

const EVERY_MS = 10_000;
const OPEN_AFTER = 2;
const ROUNDS = Number(process.env.BENCH_PROBE_ROUNDS ?? 3);
/** The target: every × (open_after + 0.5), plus 1 s. */
const TARGET_MS = EVERY_MS * (OPEN_AFTER + 0.5) + 1000;
const CHECK = 'gateway-auth';

const pathOf = (r: number) => `/r${r + 1}/v1/balance`;

function specs(gw: Gateway): RunbookSpec[] {
  return Array.from({ length: ROUNDS }, (_, r) => ({
    name: `gateway-${r + 1}`,
    service: `checkout-${r + 1}`,
    checks: [{ id: CHECK, url: gw.url(pathOf(r)) }],
    every: `${EVERY_MS / 1000}s`,
    openAfter: OPEN_AFTER,
    closeAfter: 2,
    title: 'payment gateway',
  }));
}

interface Round {
  /** From the last passing run to the switch. */
  phaseMs: number;
  switchAt: number;
  /** Probe runs after the switch, up to the one that raised the alert. */
  fails: number[];
  cardAt: number;
  /** Gaps between this probe's consecutive runs, up to the one that raised the alert. */
  gaps: number[];
}

/** The first request to `path` from arrival `from` on. */
async function nextArrival(gw: Gateway, path: string, from: number, timeoutMs: number): Promise<Arrival> {
  let found: Arrival | undefined;
  await waitUntil(() => (found = gw.arrivals.slice(from).find((a) => a.path === path)) !== undefined, timeoutMs, 20, `a run of the probe on ${path}`);
  return found!;
}

/** When the card of the open incident of `group` was posted, if it has been (calls from `from` on). */
async function cardOf(ctx: BenchContext, keys: Keys, group: string, from: number): Promise<number | undefined> {
  const id = await ctx.inspect.get(keys.openGroup(group));
  return id ? findCard(ctx, from, `${id}:card`)?.at : undefined;
}

async function round(ctx: BenchContext, gw: Gateway, keys: Keys, spec: RunbookSpec, r: number): Promise<Round> {
  const path = pathOf(r);
  const pass = await nextArrival(gw, path, gw.arrivals.length, 2 * EVERY_MS + 10_000);
  // Stratified: round r switches in the r-th slice of the period after a passing run, so the
  // rounds together cover a switch just after a run (the longest wait) and one just before.
  const target = ((r + Math.random()) / ROUNDS) * EVERY_MS;
  await sleep(Math.max(0, pass.at + target - Date.now()));
  const from = ctx.sim.calls.length;
  const switchAt = gw.deny(path);
  let cardAt: number | undefined;
  await waitUntil(async () => (cardAt = await cardOf(ctx, keys, `probe:${spec.name}:${CHECK}`, from)) !== undefined, 60_000, 25, `the card of round ${r + 1}`);
  const runs = gw.arrivals.filter((a) => a.path === path).map((a) => a.at);
  const fails = runs.filter((at) => at >= switchAt).slice(0, OPEN_AFTER);
  const upTo = runs.filter((at) => at <= fails[fails.length - 1]!);
  const gaps = upTo.slice(1).map((at, i) => at - upTo[i]!);
  const x: Round = { phaseMs: switchAt - pass.at, switchAt, fails, cardAt: cardAt!, gaps };
  console.log(`  probe round ${r + 1}: switch ${f1(x.phaseMs / 1000)} s after a pass; failing runs at +${fails.map((t) => f1((t - switchAt) / 1000)).join(', +')} s; card at +${f1((x.cardAt - switchAt) / 1000)} s`);
  return x;
}

export async function probeLatency(ctx: BenchContext): Promise<Section> {
  const gw = await Gateway.start();
  const keys = new Keys('bench-probe-latency');
  const all = specs(gw);
  const dir = runbookDir(all);
  const worker = await startProbeWorker(ctx, keys.prefix, dir.path).catch(async (err: Error) => {
    await gw.close();
    dir.remove();
    throw err;
  });
  try {
    const rounds: Round[] = [];
    for (const [r, spec] of all.entries()) rounds.push(await round(ctx, gw, keys, spec, r));
    return section(rounds);
  } finally {
    await worker.stop();
    await gw.close();
    dir.remove();
  }
}

function section(rounds: Round[]): Section {
  const s = (ms: number) => f1(ms / 1000);
  const each = (f: (x: Round) => number, fmt = s) => rounds.map((x) => fmt(f(x))).join(', ');
  const total = (x: Round) => x.cardAt - x.switchAt;
  const raised = (x: Round) => x.fails[x.fails.length - 1]!;
  const worst = Math.max(...rounds.map(total));
  const overhead = Math.max(...rounds.map((x) => x.cardAt - raised(x)));
  const gaps = rounds.flatMap((x) => x.gaps);
  const jitter = Math.max(0, ...gaps.map((g) => Math.abs(g - EVERY_MS)));
  // A switch just after a run: the first failing run a full period later, the raising one
  // open_after - 1 periods after that, each late by at most the jitter seen, then Beacon's work.
  const implied = EVERY_MS * OPEN_AFTER + jitter * OPEN_AFTER + overhead;
  const target = `<= ${s(TARGET_MS)}`;
  return {
    title: `7. Probe: credentials change to the incident's first message (every ${EVERY_MS / 1000} s, open_after ${OPEN_AFTER})`,
    rows: [
      { figure: `switch to 401 -> incident card posted: worst of ${rounds.length} rounds (s)`, value: s(worst), target, verdict: verdict(worst, TARGET_MS, 'max') },
      { figure: '  each round (s)', value: each(total) },
      { figure: '  of which switch -> first failing run (s)', value: each((x) => x.fails[0]! - x.switchAt) },
      { figure: `  of which first failing run -> run ${OPEN_AFTER}, which raised the alert (s)`, value: each((x) => raised(x) - x.fails[0]!) },
      { figure: '  of which raising run -> card posted (ms)', value: each((x) => x.cardAt - raised(x), f0) },
      { figure: 'worst case implied: switch just after a run (s)', value: s(implied), target, verdict: verdict(implied, TARGET_MS, 'max') },
      { figure: 'probe period as run: min / max gap between runs (s)', value: gaps.length ? `${f1(Math.min(...gaps) / 1000)} / ${f1(Math.max(...gaps) / 1000)}` : 'n/a' },
    ],
    notes: [
      `The gateway is a node:http server in the bench process answering 200 until the switch, then 401 on that round's path; the end is the simulator's recorded \`at\` of the chat.postMessage whose metadata key is \`<incident>:card\` of the incident the probe's group (\`probe:<runbook>:${CHECK}\`) opened. Both clocks are the bench process's Date.now().`,
      `${rounds.length} rounds, each its own runbook (one \`http\` check with \`every: ${EVERY_MS / 1000}s\`, \`open_after: ${OPEN_AFTER}\`), so a new probe and a new incident; all probes run from the start on one Beacon worker (bench/child.ts, RUNBOOKS_DIR a temporary folder the bench writes); no web process: the probe's alert is queued by the worker itself.`,
      `Switch moment: round r (of ${rounds.length}) switches at a random time within the r-th of ${rounds.length} equal slices of the period after one of its probe's passing runs (stratified, so one round lands just after a run, the longest wait); here ${each((x) => x.phaseMs)} s after a pass.`,
      `Implied worst case = ${OPEN_AFTER} × every + ${OPEN_AFTER} × the largest deviation from the period seen between runs (${f0(jitter)} ms) + the slowest raising run -> card (${f0(overhead)} ms).`,
    ],
  };
}

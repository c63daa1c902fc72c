/**
 * `npm run bench [-- <figure>...] [--out <file>]`: Beacon's figures next to baselines measured in
 * the same run on this machine, written to BENCHMARKS.md (or <file>) after each figure, so a run
 * that dies half-way still leaves what it measured.
 *
 * Figures (bench/figures/, one module each; all of them, in this order, by default):
 *   ingest, storm, slash-ack, card-latency, timeline, memory, probe-latency, probe-load, web-pages.
 * slash-ack's samples are taken during the storm, so naming it runs the storm too; card-latency
 * runs on the storm's web + worker when the storm runs, on a fresh pair otherwise; memory reports
 * the peaks the figures before it read; probe-latency and probe-load each start their own worker on
 * runbooks they write into a temporary RUNBOOKS_DIR, and a local gateway for the probes to ask;
 * web-pages starts a web of its own with Sign in with Slack (the simulator's) over 1,000 incidents.
 *
 * Web, worker and the baselines each run in their own child process (bench/child.ts), as the
 * Procfile runs them; this process holds the load client's parent, the Slack simulator and a
 * Redis connection for watching queues (bench/context.ts).
 *
 * Knobs (environment): BENCH_STORM_ROUNDS (3); BENCH_PROBE_ROUNDS (3, probe-latency's rounds);
 * BENCH_WORKER_CONCURRENCY (8, Beacon's default; applied to the baselines too);
 * BENCH_CPU_PROF=web,worker,base-web,base-worker writes V8 CPU profiles to bench/.build/prof/, which
 * `tsx bench/profile-summary.ts <file>` sums up.
 */
import { resolve } from 'node:path';
import { cpus } from 'node:os';
import { BenchContext } from './context.js';
import { cardLatency } from './figures/card-latency.js';
import { ingest } from './figures/ingest.js';
import { memory } from './figures/memory.js';
import { probeLatency } from './figures/probe-latency.js';
import { probeLoad } from './figures/probe-load.js';
import { slashAck } from './figures/slash-ack.js';
import { storm } from './figures/storm.js';
import { timeline } from './figures/timeline.js';
import { webPages } from './figures/web-pages.js';
import { DEFAULT_OUT, Report, type Section } from './report.js';

interface Figure {
  name: string;
  /** How the report names it when it could not be measured. */
  label: string;
  run: (ctx: BenchContext) => Promise<Section>;
  /** Figures that must run before this one for it to have anything to report. */
  needs?: string[];
  /** Runs on Beacon's web + worker pair (ctx.beacon()), which is stopped after the last such figure. */
  onPair?: boolean;
}

/** In the order they run and appear in the report. */
const FIGURES: Figure[] = [
  { name: 'ingest', label: '1. webhook ingest', run: ingest },
  { name: 'storm', label: '2. storm', run: storm, onPair: true },
  { name: 'slash-ack', label: '4. slash-command ack', run: slashAck, needs: ['storm'] },
  { name: 'card-latency', label: '3. alert -> card', run: cardLatency, onPair: true },
  { name: 'timeline', label: '5. timeline', run: timeline },
  { name: 'memory', label: '6. peak RSS', run: memory },
  { name: 'probe-latency', label: '7. probe: credentials change -> first message', run: probeLatency },
  { name: 'probe-load', label: '8. 500 probes on one worker', run: probeLoad },
  { name: 'web-pages', label: '9. web pages: first byte', run: webPages },
];

const USAGE = `usage: npm run bench [-- <figure>...] [--out <file>]\nfigures: ${FIGURES.map((f) => f.name).join(', ')} (all by default)`;

function parseArgs(argv: string[]): { figures: Figure[]; out: string | URL } {
  const names = new Set<string>();
  let out: string | URL = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') throw new UsageError('');
    if (a === '--out' || a.startsWith('--out=')) {
      const file = a === '--out' ? argv[++i] : a.slice('--out='.length);
      if (!file) throw new UsageError('--out needs a file');
      out = resolve(file);
    } else if (FIGURES.some((f) => f.name === a)) names.add(a);
    else throw new UsageError(`unknown figure or option: ${a}`);
  }
  if (names.size === 0) return { figures: FIGURES, out };
  for (const f of FIGURES) {
    if (!names.has(f.name)) continue;
    for (const n of f.needs ?? []) {
      if (!names.has(n)) console.log(`bench: ${f.name} needs ${n}: running it too`);
      names.add(n);
    }
  }
  return { figures: FIGURES.filter((f) => names.has(f.name)), out };
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const { figures, out } = parseArgs(process.argv.slice(2));
  const report = new Report(out);
  const ctx = await BenchContext.open();
  report.childMode = ctx.childMode;
  console.log(`bench: ${cpus().length} x ${cpus()[0]?.model.trim()}, node ${process.version}, redis ${ctx.redis.url}; figures: ${figures.map((f) => f.name).join(', ')}`);
  try {
    for (const [i, f] of figures.entries()) {
      console.log(`\n... ${f.label}`);
      try {
        report.add(await f.run(ctx));
      } catch (err) {
        report.notMeasured(`${f.label}: ${(err as Error).message}`);
        console.error(err);
      }
      // Later figures (timeline) must not share the machine with an idle web + worker pair.
      if (!figures.slice(i + 1).some((g) => g.onPair)) await ctx.stopBeacon();
    }
  } finally {
    report.write();
    await ctx.close();
  }
  console.log(`\nwrote ${out instanceof URL ? out.pathname : out}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    if (err instanceof UsageError) {
      if (err.message) console.error(`bench: ${err.message}`);
      console.error(USAGE);
      process.exit(err.message ? 2 : 0);
    }
    console.error(err);
    process.exit(1);
  },
);

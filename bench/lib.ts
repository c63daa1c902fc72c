import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { StartMsg } from './child.js';
import type { LoadOptions, LoadResult } from './load.js';

/**
 * How children run: bundled to plain JS with esbuild (tsx's own dependency) so that their RSS and
 * start-up are those of `node dist/...`, not of a process carrying the tsx loader; falls back to
 * `node --import tsx` if bundling fails.
 */
let childEntry: { file: string; execArgv: string[]; mode: string } | undefined;

export async function prepareChildren(): Promise<string> {
  const src = fileURLToPath(new URL('./child.ts', import.meta.url));
  const dir = fileURLToPath(new URL('./.build/', import.meta.url));
  const out = `${dir}child.mjs`;
  try {
    // Split at dynamic imports: a package imported only by a lazily loaded module (the web pages'
    // openid-client, jose, markdown-it, d3; Bolt) stays in that chunk, as under `node dist/...`.
    // In one file, esbuild hoists every external import to the top, so the worker loaded them all.
    await build({ entryPoints: { child: src }, outdir: dir, outExtension: { '.js': '.mjs' }, splitting: true, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
    childEntry = { file: out, execArgv: [], mode: 'plain node running an esbuild bundle of bench/child.ts + src (packages external, split at dynamic imports)' };
  } catch (err) {
    childEntry = { file: src, execArgv: ['--import', 'tsx'], mode: `node --import tsx (bundling failed: ${(err as Error).message.split('\n')[0]})` };
  }
  return childEntry.mode;
}

// ---------------------------------------------------------------------------------------------
// Child processes (bench/child.ts)
// ---------------------------------------------------------------------------------------------

export class Child {
  port: number | undefined;
  /** RSS and heap in use right after start, bytes. */
  startRss = 0;
  startHeap = 0;
  /** Worker role: concurrency of each BullMQ Worker, by queue name. */
  concurrency: Record<string, number> = {};
  private waiters: { type: string; resolve: (m: any) => void; reject: (e: Error) => void }[] = [];

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'error') {
        const w = this.waiters.shift();
        w?.reject(new Error(`${name}: ${m.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
    proc.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`${name} exited (${code})`));
    });
  }

  static async start(name: string, msg: StartMsg): Promise<Child> {
    if (!childEntry) await prepareChildren();
    // BENCH_CPU_PROF=web,worker writes V8 CPU profiles of those roles to bench/.build/prof/.
    const prof = process.env.BENCH_CPU_PROF?.split(',').includes(msg.role)
      ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('./.build/prof/', import.meta.url))}`, `--cpu-prof-name=${msg.role}-${Date.now()}.cpuprofile`]
      : [];
    const proc = fork(childEntry!.file, [], {
      // --expose-gc only so that memory() can tell retained heap from garbage, after the peak is read.
      execArgv: [...childEntry!.execArgv, '--expose-gc', ...prof],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new Child(name, proc);
    const ready = await child.ask<{ port?: number; rss: number; heapUsed: number; concurrency?: Record<string, number> }>(msg, 'ready', 60_000);
    child.concurrency = ready.concurrency ?? {};
    child.port = ready.port;
    child.startRss = ready.rss;
    child.startHeap = ready.heapUsed;
    return child;
  }

  ask<T>(msg: unknown, type: string, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send(msg as object);
    });
  }

  async peakRss(): Promise<number> {
    return (await this.memory()).peak;
  }

  /** Peak RSS so far and the heap now; with gc, also the heap left after a full collection. */
  async memory(gc = false): Promise<{ peak: number; now: number; heapUsed: number; heapTotal: number; external: number; retained?: number }> {
    return this.ask({ type: 'rss', gc }, 'rss');
  }

  /** User + system CPU time the child has used so far, in microseconds. */
  async cpuUs(): Promise<number> {
    return (await this.ask<{ us: number }>({ type: 'cpu' }, 'cpu')).us;
  }

  /** Role `load`: runs the load client in that process and returns what it measured. */
  async load(opts: LoadOptions): Promise<LoadResult> {
    return (await this.ask<{ result: LoadResult }>({ type: 'load', opts }, 'loaded', 600_000)).result;
  }

  async resetRss(): Promise<void> {
    await this.ask({ type: 'rss-reset' }, 'rss-reset');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      await this.ask({ type: 'stop' }, 'stopped', 30_000);
    } catch {
      this.proc.kill('SIGKILL');
    }
    await exited;
  }
}

export { runLoad, type LoadResult } from './load.js';

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** Nearest-rank percentile. */
export function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(values: number[]): number {
  return pct(values, 50);
}

/**
 * "met" or "MISSED by N%": for an upper bound, how far above it; for a lower bound, how far short.
 */
export function verdict(value: number, target: number, kind: 'max' | 'min'): string {
  if (!Number.isFinite(value)) return 'NOT MEASURED';
  const ok = kind === 'max' ? value <= target : value >= target;
  if (ok) return 'met';
  const by = kind === 'max' ? (value / target - 1) * 100 : (1 - value / target) * 100;
  return `MISSED by ${by.toFixed(0)}%`;
}

export const mb = (bytes: number) => bytes / (1024 * 1024);
export const f0 = (n: number) => n.toFixed(0);
export const f1 = (n: number) => n.toFixed(1);
export const f2 = (n: number) => n.toFixed(2);
/** Epoch ms with sub-ms precision, comparable with the load child's timestamps. */
export const epochNow = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(fn: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 20, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

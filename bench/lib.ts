import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { StartMsg } from './child.js';

/**
 * How children run: bundled to plain JS with esbuild (tsx's own dependency) so that their RSS and
 * start-up are those of `node dist/...`, not of a process carrying the tsx loader; falls back to
 * `node --import tsx` if bundling fails.
 */
let childEntry: { file: string; execArgv: string[]; mode: string } | undefined;

export async function prepareChildren(): Promise<string> {
  const src = fileURLToPath(new URL('./child.ts', import.meta.url));
  const out = fileURLToPath(new URL('./.build/child.mjs', import.meta.url));
  try {
    await build({ entryPoints: [src], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
    childEntry = { file: out, execArgv: [], mode: 'plain node running an esbuild bundle of bench/child.ts + src (packages external)' };
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
    const proc = fork(childEntry!.file, [], {
      execArgv: childEntry!.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new Child(name, proc);
    const ready = await child.ask<{ port?: number }>(msg, 'ready', 60_000);
    child.port = ready.port;
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
    return (await this.ask<{ peak: number }>({ type: 'rss' }, 'rss')).peak;
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

// ---------------------------------------------------------------------------------------------
// The load client: node:http with a keep-alive Agent, a fixed number of requests in flight
// ---------------------------------------------------------------------------------------------

export interface LoadResult {
  /** Per-request latency in ms, request start to response end. */
  lat: number[];
  elapsedMs: number;
  /** Answers other than 202, by status (0 = connection error). */
  bad: Record<number, number>;
  /** performance.now() of the first request. */
  startedAt: number;
}

export async function runLoad(opts: {
  port: number;
  path: string;
  bodies: Buffer[];
  concurrency: number;
  headers: Record<string, string>;
  /** Called after each answer (for instance to stop a side sampler). */
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const lat = new Array<number>(opts.bodies.length);
  const bad: Record<number, number> = {};
  const send = (body: Buffer) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: opts.port,
          path: opts.path,
          method: 'POST',
          agent,
          headers: { ...opts.headers, 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.bodies.length) {
        const i = next++;
        const t = performance.now();
        const status = await send(opts.bodies[i]!);
        lat[i] = performance.now() - t;
        if (status !== 202) bad[status] = (bad[status] ?? 0) + 1;
      }
    }),
  );
  const elapsedMs = performance.now() - startedAt;
  agent.destroy();
  return { lat, elapsedMs, bad, startedAt };
}

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
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(fn: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 20, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

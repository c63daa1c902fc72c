/**
 * One server-side process of the benchmark, forked by bench/run.ts so that web, worker and the
 * baselines each run in their own process (as the Procfile runs them) and report their own RSS.
 *
 * Roles:
 * - `web` / `worker`: Beacon's own startWeb / startWorker from src/wiring.ts, unchanged.
 * - `base-web`: a bare node:http server that reads the body, JSON.parses it and queue.add()s it.
 * - `base-worker`: a BullMQ Worker whose processor does nothing.
 * - `load`: the load client (bench/load.ts), so that its event loop is not the simulator's.
 *
 * Protocol (process IPC): parent sends {type:'start'}, child answers {type:'ready', port?};
 * {type:'rss'} -> {type:'rss', peak, now}; {type:'rss-reset'}; {type:'cpu'} -> {type:'cpu', us}
 * (user+system CPU time so far); {type:'stop'} closes and exits.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { Queue, Worker, type JobsOptions } from 'bullmq';
import { loadConfig } from '../src/config.js';
import { DEFAULT_JOB_OPTIONS } from '../src/jobs/catalog.js';
import { createLogger } from '../src/log.js';
import { connect } from '../src/redis.js';
import { startWeb, startWorker } from '../src/wiring.js';
import { runLoad, type LoadOptions } from './load.js';

export type Role = 'web' | 'worker' | 'base-web' | 'base-worker' | 'load';

export interface StartMsg {
  type: 'start';
  role: Role;
  env: Record<string, string>;
  /** Baselines only: their own queue name and BullMQ prefix. */
  queue?: string;
  prefix?: string;
  concurrency?: number;
}

type Msg = StartMsg | { type: 'load'; opts: LoadOptions } | { type: 'rss'; gc?: boolean } | { type: 'rss-reset' } | { type: 'cpu' } | { type: 'stop' };

// Peak RSS, sampled every 50 ms (memoryUsage.rss() is the cheap form of memoryUsage().rss).
let peak = process.memoryUsage.rss();
setInterval(() => {
  const r = process.memoryUsage.rss();
  if (r > peak) peak = r;
}, 50).unref();

const nullStream = new Writable({ write: (_c, _e, cb) => cb() });
let close: (() => Promise<void>) | undefined;
/** Worker role: each BullMQ Worker's concurrency, by queue. */
let concurrency: Record<string, number> | undefined;

function send(m: unknown): void {
  process.send?.(m);
}

async function start(m: StartMsg): Promise<number | undefined> {
  const log = createLogger({ level: 'warn', secrets: [], out: nullStream });
  if (m.role === 'web') {
    const web = await startWeb({ config: loadConfig(m.env, 'all'), log });
    close = () => web.close();
    return web.port;
  }
  if (m.role === 'worker') {
    const worker = await startWorker({ config: loadConfig(m.env, 'all'), log });
    close = () => worker.close();
    concurrency = Object.fromEntries(worker.workers.map((w) => [w.name, w.concurrency]));
    return undefined;
  }
  if (m.role === 'load') return undefined; // waits for {type:'load'}
  const url = m.env.REDIS_URL!;
  if (m.role === 'base-web') {
    // Same connection kind as Beacon's web (fail fast, no offline queue) and the same job options.
    const redis = connect(url, 'command', 'baseline-web');
    const queue = new Queue(m.queue!, { connection: redis, prefix: m.prefix!, defaultJobOptions: DEFAULT_JOB_OPTIONS as JobsOptions });
    queue.on('error', () => {});
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          try {
            const raw = Buffer.concat(chunks);
            const alert = JSON.parse(raw.toString('utf8')) as unknown;
            // A content-derived job id, as Beacon's webhook makes (a hash costs microseconds).
            const jobId = `b-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`;
            await queue.add('alert.received', { alert }, { jobId, removeOnComplete: { age: 600, count: 50_000 } });
            const out = '{"accepted":1}';
            res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': out.length });
            res.end(out);
          } catch {
            res.writeHead(400, { 'content-length': 0 });
            res.end();
          }
        })();
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    close = async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queue.close();
      redis.disconnect();
    };
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : undefined;
  }
  // base-worker: drains the baseline queue with a processor that does nothing.
  const redis = connect(url, 'blocking', 'baseline-worker');
  const worker = new Worker(m.queue!, async () => {}, { connection: redis, prefix: m.prefix!, concurrency: m.concurrency ?? 8 });
  worker.on('error', () => {});
  close = async () => {
    await worker.close();
    redis.disconnect();
  };
  return undefined;
}

process.on('message', (m: Msg) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        const port = await start(m);
        peak = process.memoryUsage.rss();
        const mu = process.memoryUsage();
        send({ type: 'ready', port, rss: mu.rss, heapUsed: mu.heapUsed, concurrency });
      } else if (m.type === 'rss') {
        const mu = process.memoryUsage();
        // With gc: also the heap still in use after a full collection (retained, not garbage).
        let retained: number | undefined;
        const gc = (globalThis as { gc?: () => void }).gc;
        if (m.gc && gc) {
          gc();
          retained = process.memoryUsage().heapUsed;
        }
        send({ type: 'rss', peak, now: mu.rss, heapUsed: mu.heapUsed, heapTotal: mu.heapTotal, external: mu.external, retained });
      } else if (m.type === 'load') {
        send({ type: 'loaded', result: await runLoad(m.opts) });
      } else if (m.type === 'cpu') {
        const c = process.cpuUsage();
        send({ type: 'cpu', us: c.user + c.system });
      } else if (m.type === 'rss-reset') {
        peak = process.memoryUsage.rss();
        send({ type: 'rss-reset' });
      } else if (m.type === 'stop') {
        await close?.();
        send({ type: 'stopped' });
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));

/**
 * 5. Timeline events persisted per second: TimelineStore.append behind a BullMQ Worker against a
 * Worker whose processor does nothing, on the same pre-enqueued jobs, in interleaved rounds.
 */
import { Queue, Worker } from 'bullmq';
import { Keys } from '../../src/keys.js';
import { connect } from '../../src/redis.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { TimelineStore } from '../../src/timeline/store.js';
import { WORKER_CONCURRENCY, type BenchContext } from '../context.js';
import { f0, f2, median, sleep, verdict } from '../lib.js';
import type { Section } from '../report.js';

const N = 5000;
const ROUNDS = 5;
const WARM_UP = 500;
/** Incidents the events are spread over. */
const INCIDENTS = 10;

interface AppendJob {
  incidentId: string;
  event: TimelineEvent;
}

/** Enqueues `n` timeline.append jobs on `queueName`, then times one Worker running them all; jobs/s. */
async function drain(ctx: BenchContext, queueName: string, keys: Keys, n: number, process: (data: AppendJob) => Promise<void>): Promise<number> {
  const prefix = keys.queuePrefix;
  const conn = connect(ctx.redis.url, 'blocking', 'bench-tl');
  const q = new Queue(queueName, { connection: conn, prefix });
  for (let i = 0; i < n; i += 500) {
    await q.addBulk(
      Array.from({ length: Math.min(500, n - i) }, (_, k) => {
        const j = i + k;
        const event: TimelineEvent = { id: `${queueName}-${j}`, kind: 'note', at: new Date().toISOString(), actor: 'U0000001', text: `note ${j} from the bench` };
        return { name: 'timeline.append', data: { incidentId: `bench-${j % INCIDENTS}`, event }, opts: { removeOnComplete: true } };
      }),
    );
  }
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  const t = performance.now();
  const w = new Worker<AppendJob>(queueName, async (job) => process(job.data), { connection: conn, prefix, concurrency: WORKER_CONCURRENCY });
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

export async function timeline(ctx: BenchContext): Promise<Section> {
  const keys = new Keys('bench-tl');
  const conn = connect(ctx.redis.url, 'command', 'bench-tl-store');
  const store = new TimelineStore(conn, keys);
  const noop = async () => {};
  const append = async (d: AppendJob) => void (await store.append(d.incidentId, d.event));
  const rates = { noop: [] as number[], timeline: [] as number[] };
  try {
    // Warm-up of both paths (script load, JIT).
    await drain(ctx, 'warm-noop', keys, WARM_UP, noop);
    await drain(ctx, 'warm-tl', keys, WARM_UP, append);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['noop', 'timeline'] as const) : (['timeline', 'noop'] as const);
      for (const side of order) rates[side].push(await drain(ctx, `${side}-${r}`, keys, N, side === 'noop' ? noop : append));
    }
    let stored = 0;
    for (let i = 0; i < INCIDENTS; i++) stored += await store.count(`bench-${i}`);
    return section(rates, stored);
  } finally {
    conn.disconnect();
  }
}

function section(rates: { noop: number[]; timeline: number[] }, stored: number): Section {
  const tl = median(rates.timeline);
  const noop = median(rates.noop);
  const pairs = rates.timeline.map((t, i) => t / rates.noop[i]!);
  const ratio = median(pairs);
  return {
    title: '5. Timeline events persisted per second',
    rows: [
      { figure: 'TimelineStore.append via BullMQ worker: events/s', value: f0(tl) },
      { figure: 'raw BullMQ no-op worker: jobs/s', value: f0(noop) },
      { figure: 'ratio timeline / no-op (median of paired rounds)', value: f2(ratio), target: '>= 0.5', verdict: verdict(ratio, 0.5, 'min') },
    ],
    notes: [
      `${ROUNDS} interleaved rounds of ${N} pre-enqueued jobs each (${INCIDENTS} incidents), one Worker of concurrency ${WORKER_CONCURRENCY} in the bench process, timed from Worker start to the last 'completed'; medians of rounds.`,
      `paired ratios: ${pairs.map(f2).join(', ')}; ratio of the medians above: ${f2(tl / noop)}.`,
      `per-round: timeline ${rates.timeline.map(f0).join(', ')}; no-op ${rates.noop.map(f0).join(', ')}. Stream entries stored: ${stored} (expected ${N * ROUNDS + WARM_UP}).`,
    ],
  };
}

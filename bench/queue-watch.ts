/**
 * Watching BullMQ queues from the bench process through BullMQ's public API only (getJobCounts,
 * getDelayed, getJobs): no reads of BullMQ's own Redis keys, whose layout is BullMQ's business.
 */
import { Queue, type Job } from 'bullmq';
import { connect, type Redis } from '../src/redis.js';

/** The counts a queue is asked for, in the order a report shows them. */
export type CountType = 'wait' | 'active' | 'delayed' | 'prioritized' | 'failed' | 'completed';

export class QueueWatch {
  private readonly conn: Redis;
  private readonly queues = new Map<string, Queue>();

  constructor(redisUrl: string) {
    this.conn = connect(redisUrl, 'blocking', 'bench-watch');
  }

  /** A producer-side handle on queue `name` under BullMQ prefix `prefix`, made once. */
  queue(prefix: string, name: string): Queue {
    const id = `${prefix}:${name}`;
    let q = this.queues.get(id);
    if (!q) {
      q = new Queue(name, { connection: this.conn, prefix });
      q.on('error', () => {});
      this.queues.set(id, q);
    }
    return q;
  }

  async counts(q: Queue, ...types: CountType[]): Promise<Record<CountType, number>> {
    const c = await q.getJobCounts(...types);
    return Object.fromEntries(types.map((t) => [t, c[t] ?? 0])) as Record<CountType, number>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.conn.disconnect();
  }
}

/**
 * Names of the delayed jobs of `q` due within `horizonMs` (due = the job's timestamp + delay);
 * names of those due later are added to `later`. A job gone by the time it is read counts as
 * due, so that a job moving on never makes a queue look quiet.
 */
export async function dueDelayed(q: Queue, horizonMs: number, later: Set<string>): Promise<string[]> {
  const jobs = (await q.getDelayed()) as (Job | undefined)[];
  const now = Date.now();
  const due: string[] = [];
  for (const job of jobs) {
    const at = (job?.timestamp ?? 0) + (job?.delay ?? 0);
    if (at > now + horizonMs) later.add(job?.name ?? '?');
    else due.push(job?.name ?? '?');
  }
  return due;
}

import { Queue, type JobsOptions } from 'bullmq';
import type { Keys } from '../keys.js';
import type { Redis } from '../redis.js';
import { DEFAULT_JOB_OPTIONS, JOBS, QUEUES, type JobData, type JobName, type JobSpec, type QueueName } from './catalog.js';

/** The producer side of every queue, shared by `web` (intake) and `worker` (follow-ups). */
export class Queues {
  readonly byName: Record<QueueName, Queue>;

  constructor(connection: Redis, keys: Keys, onError: (err: Error) => void = () => {}) {
    const make = (name: QueueName) => {
      const q = new Queue(name, { connection, prefix: keys.queuePrefix, defaultJobOptions: DEFAULT_JOB_OPTIONS as JobsOptions });
      // Connection errors surface as 503s and /readyz; without a listener BullMQ prints each one.
      q.on('error', onError);
      return q;
    };
    this.byName = Object.fromEntries((Object.values(QUEUES) as QueueName[]).map((n) => [n, make(n)])) as Record<QueueName, Queue>;
  }

  /** The queue a job of the catalog goes to. */
  queueOf(name: JobName): Queue {
    return this.byName[JOBS[name].queue];
  }

  /** Queues a job under its catalog id and options; `opts` adds to them (a delay, say). */
  async add<N extends JobName>(name: N, data: JobData<N>, opts: JobsOptions = {}): Promise<void> {
    await this.queueOf(name).add(name, data, optionsFor(name, data, opts));
  }

  async addBulk<N extends JobName>(name: N, items: { data: JobData<N>; opts?: JobsOptions }[]): Promise<void> {
    if (items.length === 0) return;
    // BullMQ's addBulk builds an ioredis pipeline even for one job, copying every loaded script
    // onto it: for the common one-alert webhook that doubled web's CPU per request (bench).
    if (items.length === 1) return void (await this.add(name, items[0]!.data, items[0]!.opts ?? {}));
    await this.queueOf(name).addBulk(items.map((i) => ({ name, data: i.data, opts: optionsFor(name, i.data, i.opts ?? {}) })));
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.byName).map((q) => q.close()));
  }
}

function optionsFor(name: JobName, data: unknown, extra: JobsOptions): JobsOptions {
  const spec = JOBS[name] as JobSpec;
  // The webhook's hot path (alert.received names its own ids): no copy per alert.
  if (!spec.id && !spec.options) return extra;
  const id = spec.id?.(data);
  return { ...spec.options?.(data), ...(id ? { jobId: id } : {}), ...extra };
}

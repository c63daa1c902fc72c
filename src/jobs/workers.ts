import { Worker } from 'bullmq';
import type { Keys } from '../keys.js';
import type { Logger } from '../log.js';
import type { SharedCounters } from '../metrics.js';
import type { Redis } from '../redis.js';
import { QUEUES, type JobServices, type QueueName } from './catalog.js';
import { processor } from './processors.js';

export interface WorkerOptions {
  connection: Redis;
  keys: Keys;
  services: JobServices;
  concurrency: number;
  lockDurationMs: number;
  counters: SharedCounters;
  log: Logger;
}

/** One BullMQ Worker per queue of the catalog, all running the catalog's processor. */
export function startWorkers(o: WorkerOptions): Worker[] {
  const run = processor(o.services, o.log);
  return (Object.values(QUEUES) as QueueName[]).map((name) => {
    const w = new Worker(name, run, {
      connection: o.connection,
      prefix: o.keys.queuePrefix,
      // Intake jobs are short Redis round trips: twice the concurrency keeps a storm moving.
      concurrency: name === QUEUES.intake ? o.concurrency * 2 : o.concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: Math.min(30_000, o.lockDurationMs),
      maxStalledCount: 5,
    });
    w.on('completed', (job) => o.counters.inc('jobs', { queue: name, name: job.name, outcome: 'completed' }));
    w.on('failed', (job, err) => {
      o.counters.inc('jobs', { queue: name, name: job?.name ?? 'unknown', outcome: 'failed' });
      o.log.warn({ queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
    });
    w.on('error', (err) => o.log.error({ queue: name, err: err.message }, 'worker error'));
    return w;
  });
}

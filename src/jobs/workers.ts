import { Worker } from 'bullmq';
import type { Keys } from '../keys.js';
import type { Logger } from '../log.js';
import type { SharedCounters } from '../metrics.js';
import type { JobGuard } from '../redis-replicas.js';
import { Script, type Redis } from '../redis.js';
import { QUEUES, type JobServices, type QueueName } from './catalog.js';
import { processor } from './processors.js';

export interface WorkerOptions {
  connection: Redis;
  keys: Keys;
  services: JobServices;
  concurrency: number;
  /** JOB_LOCK_SECONDS in ms: how long a dead worker's job stays claimed. */
  lockDurationMs: number;
  counters: SharedCounters;
  log: Logger;
  /** Redis Sentinel or Cluster: a job completes only once its effects survive a failover (src/redis.ts). */
  guard?: JobGuard;
}

/**
 * How a dead worker's jobs are taken over (issue 15: within 15 s with the defaults). BullMQ's
 * semantics, read from bullmq 5's worker, lock manager and `moveStalledJobsToWait`:
 * - A job is claimed by a lock key that lives `lockDuration` unless its worker renews it. The lock
 *   manager wakes every `lockRenewTime / 2` and renews each job last renewed more than
 *   `lockRenewTime / 2` ago, so a live job's lock is renewed at least every `lockRenewTime`.
 * - The stalled check runs at most once per `stalledInterval` over all workers (a shared key
 *   guards it). It moves back to wait every job it marked on a previous check whose lock is now
 *   gone, then marks every active job again (a renewal unmarks).
 * - A job moved back more than `maxStalledCount` times fails for good.
 *
 * After a SIGKILL the job's lock is gone at most `lockDuration` later, and the next check, at most
 * `stalledInterval` after that, hands the job to a live worker: lockDuration + stalledInterval
 * at worst, 6 + 2 = 8 s with the default JOB_LOCK_SECONDS=6. The incident lock
 * (IncidentStore.withLock) has the same 6 s, so it is gone by then too, and 7 s of the 15 remain
 * for the resumed opening itself on a loaded host. A restarted worker marks the jobs whose lock
 * is already gone before it starts (`markOrphans`), so it resumes them at once.
 *
 * A short lock is renewed often: every 0.75 to 1.5 s (lockRenewTime a quarter of the lock). A live
 * worker whose event loop stalls keeps its jobs unless the stall outlasts lockDuration minus
 * lockRenewTime, 4.5 s with the defaults: far longer than a GC pause or parsing a large payload.
 * Should a longer stall let a job be taken over, the incident's steps still never run twice at
 * once: the incident lock is renewed every tenth of its TTL and survives a stall of 5.4 s, so the
 * taker waits for it; and the post-once records keep every Slack effect single.
 *
 * The stalled check is one short script per queue (an LRANGE of the active jobs): a third of the
 * lock costs nothing and bounds the wait after the lock expires.
 *
 * maxStalledCount 5: a job that kills its worker every time (an OOM on one payload) stops after
 * six tries instead of taking down every worker forever, while an ordinary crash or two (each
 * counts once) never fails a job.
 */
export function lockSettings(lockDurationMs: number) {
  return {
    lockDuration: lockDurationMs,
    lockRenewTime: Math.max(250, Math.round(lockDurationMs / 4)),
    stalledInterval: Math.max(500, Math.round(lockDurationMs / 3)),
    maxStalledCount: 5,
  };
}

/**
 * Marks every active job of a queue whose lock is already gone (its worker died) as stalled, and
 * clears the check's guard, so that the starting worker's first stalled check hands them out at
 * once instead of marking them first and moving them a whole interval later. A job whose lock
 * still exists is left alone: its worker may be alive. Atomic, so a job finishing meanwhile is
 * never touched; its lock keys share the queue's hash tag (Redis Cluster).
 */
const MARK_ORPHANS = new Script(`
local active = redis.call('LRANGE', KEYS[1], 0, -1)
local n = 0
for _, id in ipairs(active) do
  if redis.call('EXISTS', ARGV[1] .. id .. ':lock') == 0 then
    redis.call('SADD', KEYS[2], id)
    n = n + 1
  end
end
redis.call('DEL', KEYS[3])
return n`);

async function markOrphans(redis: Redis, w: Worker): Promise<number> {
  const k = w.keys;
  return (await MARK_ORPHANS.run(redis, [k.active!, k.stalled!, k['stalled-check']!], [w.toKey('')])) as number;
}

/**
 * One BullMQ Worker per queue of the catalog, all running the catalog's processor. Each starts
 * once its queue's orphans are marked (a restarted worker resumes a dead one's jobs at once).
 */
export function startWorkers(o: WorkerOptions): Worker[] {
  const run = processor(o.services, o.log, o.guard);
  return (Object.values(QUEUES) as QueueName[]).map((name) => {
    const w = new Worker(name, run, {
      connection: o.connection,
      prefix: o.keys.queuePrefix,
      // Intake jobs are short Redis round trips: twice the concurrency keeps a storm moving.
      concurrency: name === QUEUES.intake ? o.concurrency * 2 : o.concurrency,
      ...lockSettings(o.lockDurationMs),
      autorun: false,
    });
    w.on('completed', (job) => o.counters.inc('jobs', { queue: name, name: job.name, outcome: 'completed' }));
    w.on('failed', (job, err) => {
      o.counters.inc('jobs', { queue: name, name: job?.name ?? 'unknown', outcome: 'failed' });
      o.log.warn({ queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
    });
    // Its worker stopped renewing the lock (died, or stalled longer than the lock allows).
    w.on('stalled', (jobId) => o.log.info({ queue: name, jobId }, 'stalled job moved back to wait'));
    w.on('error', (err) => o.log.error({ queue: name, err: err.message }, 'worker error'));
    void markOrphans(o.connection, w)
      .then((n) => n > 0 && o.log.info({ queue: name, jobs: n }, 'jobs of a dead worker marked for takeover'))
      // Not fatal: the periodic check still finds them, one interval later.
      .catch((err: Error) => o.log.warn({ queue: name, err: err.message }, 'could not mark a dead worker\'s jobs'))
      .then(() => w.run())
      .catch((err: Error) => w.emit('error', err));
    return w;
  });
}

import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import type { JobGuard } from '../redis-replicas.js';
import { JOBS, type JobName, type JobServices, type JobSpec } from './catalog.js';

/**
 * The BullMQ processor for every queue: look the job up in the catalog, parse, hand it over.
 * With a `guard` (Redis Sentinel or Cluster), a job whose effects may not survive a failover
 * throws instead of completing, so it runs again.
 */
export function processor(services: JobServices, log: Logger, guard?: JobGuard) {
  return async (job: Job) => {
    const spec = (JOBS as Record<string, JobSpec>)[job.name as JobName];
    if (!spec) throw new UnrecoverableError(`unknown job ${job.name}`);
    const parsed = spec.schema.safeParse(job.data);
    if (!parsed.success) {
      log.error({ job: job.name, jobId: job.id, issues: parsed.error.issues.slice(0, 5) }, 'job payload does not match its schema');
      throw new UnrecoverableError(`bad payload for ${job.name}`);
    }
    if (!guard) return spec.handler(parsed.data, services, job);
    const marks = guard.mark();
    const out = await spec.handler(parsed.data, services, job);
    const safe = await guard.check(marks);
    if (!safe.ok) throw new Error(`effects not confirmed on Redis (${safe.reason}): the job runs again`);
    return out;
  };
}

import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import { JOBS, type JobName, type JobServices, type JobSpec } from './catalog.js';

/** The BullMQ processor for every queue: look the job up in the catalog, parse, hand it over. */
export function processor(services: JobServices, log: Logger) {
  return async (job: Job) => {
    const spec = (JOBS as Record<string, JobSpec>)[job.name as JobName];
    if (!spec) throw new UnrecoverableError(`unknown job ${job.name}`);
    const parsed = spec.schema.safeParse(job.data);
    if (!parsed.success) {
      log.error({ job: job.name, jobId: job.id, issues: parsed.error.issues.slice(0, 5) }, 'job payload does not match its schema');
      throw new UnrecoverableError(`bad payload for ${job.name}`);
    }
    return spec.handler(parsed.data, services, job);
  };
}

import type { Queues } from '../../src/jobs/queues.js';
import { waitFor } from './beacon.js';

/**
 * Runs a probe now, as its scheduler would (the scheduler also runs it every period), and waits
 * for that run to finish. Each call is a new job.
 */
export function probeRunner(queues: () => Queues, probe: { runbook: string; check: string }): () => Promise<void> {
  let n = 0;
  return async () => {
    const jobId = `probe-now-${++n}`;
    await queues().add('probe.run', probe, { jobId });
    const q = queues().queueOf('probe.run');
    await waitFor(async () => ((await (await q.getJob(jobId))?.isCompleted()) ? true : undefined), { what: `probe run ${jobId}`, timeout: 15_000 });
  };
}

import { isProbeScheduler, jobIds, probeOffset } from '../ids.js';
import type { Logger } from '../log.js';
import type { Probe, ProbeAlerts } from '../probes/service.js';
import type { Queues } from './queues.js';

/**
 * One BullMQ job scheduler per probe: BullMQ makes one job per period for the whole cluster,
 * whichever workers run, and keeps the schedule across restarts. Every worker upserts the same
 * schedulers at start (idempotent) and removes those of probes no runbook defines any more.
 * `every` schedules land on multiples of the period; each probe gets an offset from its id, so
 * 500 probes of 10 s are spread over the 10 s instead of all starting together.
 */
export async function syncProbeSchedules(queues: Queues, probes: Probe[], log: Logger): Promise<void> {
  const q = queues.queueOf('probe.run');
  const wanted = new Set<string>();
  for (const p of probes) {
    const id = jobIds.probeScheduler(p.id);
    wanted.add(id);
    await q.upsertJobScheduler(id, { every: p.settings.everyMs, offset: probeOffset(p.id, p.settings.everyMs) }, { name: 'probe.run', data: { runbook: p.runbook.name, check: p.checkName } });
  }
  for (const s of await q.getJobSchedulers(0, -1)) {
    if (isProbeScheduler(s.key) && !wanted.has(s.key)) await q.removeJobScheduler(s.key);
  }
  if (probes.length) log.info({ probes: probes.map((p) => `${p.id} every ${p.settings.everyMs / 1000}s`) }, 'probes scheduled');
}

/** A probe's alert enters like any other: one `alert.received` job, its id from the transition. */
export function probeAlerts(queues: Queues): ProbeAlerts {
  return {
    async raise(alert, jobId) {
      await queues.add('alert.received', { alert }, { jobId });
    },
  };
}

import { MAX_ESCALATIONS } from '../incidents/deps.js';
import type { Scheduler } from '../incidents/ports.js';
import { jobIds } from '../ids.js';
import type { Queues } from './queues.js';

export { ALERTS_DEBOUNCE_MS } from './catalog.js';

/** The domain's follow-up work as BullMQ jobs; ids and options come from the job catalog. */
export function bullScheduler(queues: Queues): Scheduler {
  const summaries = () => queues.queueOf('summary.post');
  const delay = (ms: number) => ({ delay: Math.max(0, Math.round(ms)) });
  return {
    openIncident: (incidentId, severity) => queues.add('incident.open', { incidentId, ...(severity ? { severity } : {}) }),
    syncTopic: (incidentId, delayMs) => queues.add('topic.sync', { incidentId }, delay(delayMs)),
    refreshAlerts: (incidentId) => queues.add('alerts.refresh', { incidentId }),
    refreshCard: (incidentId) => queues.add('card.refresh', { incidentId }),
    // The id says which escalation: asking twice (a re-run opening, a retried job) queues one.
    escalate: (incidentId, n, delayMs) => queues.add('incident.escalate', { incidentId, n }, delay(delayMs)),
    async cancelEscalation(incidentId) {
      // Tidying only: a job already running (locked) is not removed, and re-checks the state itself.
      const q = queues.queueOf('incident.escalate');
      for (let n = 1; n <= MAX_ESCALATIONS; n++) {
        const job = await q.getJob(jobIds.escalate(incidentId, n));
        if (job && (await job.isDelayed())) await q.remove(job.id!).catch(() => 0);
      }
    },
    remind: (incidentId, anchor, n, delayMs) => queues.add('incident.remind', { incidentId, anchor, n }, delay(delayMs)),
    runChecks: (incidentId, runbook, runId) => queues.add('checks.run', { incidentId, runbook, runId }),
    draftPostmortem: (incidentId, runId, reason) => queues.add('postmortem.post', { incidentId, reason, runId }),
    // One BullMQ job scheduler per incident, removed when it resolves.
    async summariesEvery(incidentId, ms) {
      const data = { incidentId, periodic: true };
      await summaries().upsertJobScheduler(jobIds.summaryScheduler(incidentId), { every: ms, startDate: Date.now() + ms }, { name: 'summary.post', data });
    },
    scoreDrill: (incidentId, runId) => queues.add('drill.score', { incidentId, runId }),
    async stopSummaries(incidentId) {
      await summaries().removeJobScheduler(jobIds.summaryScheduler(incidentId));
    },
  };
}

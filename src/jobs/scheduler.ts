import { createHash } from 'node:crypto';
import { MAX_ESCALATIONS, type Scheduler } from '../incidents/service.js';
import { JOBS } from './catalog.js';
import type { Queues } from './queues.js';
import type { SummaryTimers } from '../reports/service.js';

/** How long alert-message refreshes are gathered before one `chat.update`. */
export const ALERTS_DEBOUNCE_MS = 1000;

export const escalationJobId = (incidentId: string, n: number) => `escalate-${incidentId}-${n}`;
export const reminderJobId = (incidentId: string, anchor: string, n: number) =>
  `remind-${incidentId}-${createHash('sha1').update(anchor).digest('hex').slice(0, 12)}-${n}`;

/** The incident service's follow-up work, as BullMQ jobs with deterministic ids. */
export function bullScheduler(queues: Queues): Scheduler {
  const timersQueue = () => queues.byName[JOBS['incident.escalate'].queue];
  return {
    async openIncident(incidentId) {
      // One job id per incident: every alert of a new incident asks, one job runs. A failed
      // one is removed so that the next alert can ask again.
      await queues.add('incident.open', { incidentId }, { jobId: `open-${incidentId}`, removeOnFail: true });
    },
    async refreshAlerts(incidentId) {
      // At most one waiting and one running refresh per incident; the waiting one reads the
      // latest state when it runs, so nothing recorded before it is missed.
      await queues.add(
        'alerts.refresh',
        { incidentId },
        { delay: ALERTS_DEBOUNCE_MS, deduplication: { id: `alerts-${incidentId}`, keepLastIfActive: true } },
      );
    },
    async refreshCard(incidentId) {
      await queues.add('card.refresh', { incidentId }, { deduplication: { id: `card-${incidentId}`, keepLastIfActive: true } });
    },
    async escalate(incidentId, n, delayMs) {
      // The id says which escalation: asking twice (a re-run opening, a retried job) queues one.
      await queues.add('incident.escalate', { incidentId, n }, { jobId: escalationJobId(incidentId, n), delay: Math.max(0, Math.round(delayMs)) });
    },
    async cancelEscalation(incidentId) {
      // Tidying only: a job already running (locked) is not removed, and re-checks the state itself.
      const q = timersQueue();
      for (let n = 1; n <= MAX_ESCALATIONS; n++) {
        const job = await q.getJob(escalationJobId(incidentId, n));
        if (job && (await job.isDelayed())) await q.remove(job.id!).catch(() => 0);
      }
    },
    async remind(incidentId, anchor, n, delayMs) {
      await queues.add('incident.remind', { incidentId, anchor, n }, { jobId: reminderJobId(incidentId, anchor, n), delay: Math.max(0, Math.round(delayMs)) });
    },
  };
}

/** Periodic summaries: one BullMQ job scheduler per incident, removed when it resolves. */
export function summaryTimers(queues: Queues): SummaryTimers {
  const q = () => queues.byName[JOBS['summary.post'].queue];
  return {
    async every(incidentId, ms) {
      await q().upsertJobScheduler(`summary-${incidentId}`, { every: ms, startDate: Date.now() + ms }, { name: 'summary.post', data: { incidentId, periodic: true } });
    },
    async stop(incidentId) {
      await q().removeJobScheduler(`summary-${incidentId}`);
    },
  };
}

/** Queues a run of a runbook's checks; the run id makes a re-asked run queue once. */
export function enqueueChecks(queues: Queues) {
  return async (incidentId: string, runbook: string, runId: string) => {
    const id = createHash('sha1').update(`${incidentId}\u0000${runbook}\u0000${runId}`).digest('hex').slice(0, 32);
    await queues.add('checks.run', { incidentId, runbook, runId }, { jobId: `checks-${id}`, attempts: 2 });
  };
}

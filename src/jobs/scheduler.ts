import type { Scheduler } from '../incidents/service.js';
import type { Queues } from './queues.js';

/** How long alert-message refreshes are gathered before one `chat.update`. */
export const ALERTS_DEBOUNCE_MS = 1500;

/** The incident service's follow-up work, as BullMQ jobs with deterministic ids. */
export function bullScheduler(queues: Queues): Scheduler {
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
  };
}

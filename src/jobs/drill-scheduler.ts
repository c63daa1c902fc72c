import type { DrillScheduler } from '../drills/ports.js';
import type { Queues } from './queues.js';

/**
 * A drill's clock and its alerts as BullMQ jobs: each alert is the `alert.received` job a webhook
 * would queue (Beacon's normal intake path), the clock one delayed `drill.event` job at a time.
 */
export function bullDrillScheduler(queues: Queues): DrillScheduler {
  return {
    alert: (alert, jobId) => queues.add('alert.received', { alert }, { jobId }),
    events: (incidentId, index, delayMs) => queues.add('drill.event', { incidentId, index }, { delay: Math.max(0, Math.round(delayMs)) }),
  };
}

import type { IncidentStore } from '../../incidents/store.js';
import type { Queues } from '../../jobs/queues.js';
import type { Logger } from '../../log.js';
import type { ChecklistStore } from '../../runbooks/checklist-store.js';
import type { Runbook } from '../../runbooks/format.js';

export { deliveryId } from '../../ids.js';

/** What the listeners read and queue to: web's side of Beacon, never the Slack Web API itself. */
export interface ListenerDeps {
  queues: Queues;
  store: IncidentStore;
  checklists: ChecklistStore;
  runbooks: () => readonly Runbook[];
  log: Logger;
  now: () => Date;
}

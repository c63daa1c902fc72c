import type { IncidentStore } from '../../incidents/store.js';
import type { Queues } from '../../jobs/queues.js';
import type { Logger } from '../../log.js';
import type { ChecklistStore } from '../../runbooks/checklist-store.js';
import type { Runbook } from '../../runbooks/format.js';
import type { DrillSet } from '../../drills/set.js';

export { deliveryId } from '../../ids.js';

/** What the listeners read and queue to: web's side of Beacon, never the Slack Web API itself. */
export interface ListenerDeps {
  queues: Queues;
  store: IncidentStore;
  checklists: ChecklistStore;
  runbooks: () => readonly Runbook[];
  log: Logger;
  now: () => Date;
  /** The drill scenarios loaded from DRILLS_DIR, for `/incident drill`. */
  drills?: () => DrillSet;
  /** INCIDENT_ROLES, `lead` first (default lead, comms, scribe): `/incident role` checks against it at once. */
  roles?: readonly string[];
}

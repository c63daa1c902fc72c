import { createHash } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { IncidentStore } from '../../incidents/store.js';
import type { Queues } from '../../jobs/queues.js';
import type { Logger } from '../../log.js';
import { registerCardActions } from './actions.js';
import { registerCommand } from './command.js';
import { registerDeclareForm } from './declare-form.js';
import { registerRunbookAndTimelineListeners } from './runbook-reports.js';
import type { ChecklistStore } from '../../runbooks/checklist-store.js';
import type { Runbook } from '../../runbooks/format.js';

export interface ListenerDeps {
  queues: Queues;
  store: IncidentStore;
  checklists: ChecklistStore;
  runbooks: () => readonly Runbook[];
  log: Logger;
  now: () => Date;
}

/** A job id from what Slack sent, so a redelivered request queues nothing new. */
export function deliveryId(...parts: (string | undefined)[]): string {
  return createHash('sha256').update(parts.map((p) => p ?? '').join('\u0000')).digest('hex').slice(0, 40);
}

/**
 * Thin listeners: ack within Slack's 3 seconds, turn the request into one job or a read-only
 * answer, done. State changes and Slack effects happen in the worker. The same listeners serve
 * HTTP and Socket Mode.
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommand(app, deps);
  registerCardActions(app, deps);
  registerDeclareForm(app, deps);
  registerRunbookAndTimelineListeners(app, deps);
}

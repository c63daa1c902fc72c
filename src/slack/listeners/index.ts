import type { App } from '@slack/bolt';
import { registerCardActions } from './actions.js';
import { registerCommand } from './command.js';
import { registerDeclareForm } from './declare-form.js';
import type { ListenerDeps } from './deps.js';
import { registerRunbookAndTimelineListeners } from './runbook-reports.js';

export type { ListenerDeps } from './deps.js';

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

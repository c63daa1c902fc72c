import { createHash } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { IncidentStore } from '../../incidents/store.js';
import type { Queues } from '../../jobs/queues.js';
import type { Logger } from '../../log.js';
import { ACTIONS } from '../blocks/ids.js';
import { registerCommand } from './command.js';

export interface ListenerDeps {
  queues: Queues;
  store: IncidentStore;
  log: Logger;
  now: () => Date;
}

/** A job id from what Slack sent, so a redelivered request queues nothing new. */
export function deliveryId(...parts: (string | undefined)[]): string {
  return createHash('sha256').update(parts.map((p) => p ?? '').join('\u0000')).digest('hex').slice(0, 40);
}

/**
 * Thin listeners: ack within Slack's 3 seconds, turn the request into one job, done. State
 * changes and Slack effects happen in the worker.
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommand(app, deps);

  const cardActions = [ACTIONS.acknowledge, ACTIONS.mitigate, ACTIONS.resolve, ACTIONS.resolveFromAlerts, ACTIONS.severity] as const;
  for (const actionId of cardActions) {
    app.action(actionId, async ({ ack, body, action }) => {
      await ack();
      const a = action as { value?: string; selected_option?: { value: string }; action_ts?: string };
      const b = body as { user: { id: string }; channel?: { id: string }; trigger_id?: string };
      const incidentId = actionId === ACTIONS.severity ? await deps.store.byChannel(b.channel?.id ?? '') : a.value;
      if (!incidentId) return;
      const verb =
        actionId === ACTIONS.acknowledge ? 'ack'
        : actionId === ACTIONS.mitigate ? 'mitigate'
        : actionId === ACTIONS.severity ? 'sev'
        : 'resolve';
      await deps.queues.add(
        'incident.command',
        {
          incidentId,
          verb,
          args: actionId === ACTIONS.severity ? (a.selected_option?.value ?? '') : '',
          userId: b.user.id,
          ...(b.channel?.id ? { channelId: b.channel.id } : {}),
          sourceId: `action:${deliveryId(b.trigger_id, a.action_ts, actionId, b.user.id)}`,
        },
        { jobId: `cmd-${deliveryId(b.trigger_id, a.action_ts, actionId, b.user.id)}` },
      );
    });
  }
}

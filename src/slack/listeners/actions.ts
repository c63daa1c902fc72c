import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { checkArgs } from '../../incidents/verbs.js';
import { ACTIONS } from '../blocks/ids.js';
import { deliveryId, type ListenerDeps } from './deps.js';
import { enqueueThenAck } from './enqueue.js';
import { containerString } from './payload.js';

/** Card controls (and the alerts message's resolve button) and the verb each one is. */
const CONTROLS = {
  [ACTIONS.acknowledge]: 'ack',
  [ACTIONS.mitigate]: 'mitigate',
  [ACTIONS.resolve]: 'resolve',
  [ACTIONS.resolveFromAlerts]: 'resolve',
  [ACTIONS.severity]: 'sev',
} as const;

/**
 * A click on a card control becomes the same `incident.command` job as the typed verb. The job id
 * derives from the click's trigger_id and action_ts, which Slack repeats on a retry: a redelivered
 * click queues nothing new. A second, separate click is a second command, and the state machine
 * answers it ("already acknowledged"). A click whose job cannot be queued is answered with an
 * error the clicker sees (enqueue.ts).
 */
export function registerCardActions(app: App, deps: ListenerDeps): void {
  for (const [actionId, verb] of Object.entries(CONTROLS)) {
    app.action<BlockAction<ButtonAction | StaticSelectAction>>(actionId, async ({ ack, body, action, respond }) => {
      const tellClicker = async (text: string) => {
        await ack();
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      };
      const channelId = body.channel?.id ?? containerString(body, 'channel_id');
      const channelIncident = channelId ? await deps.store.byChannel(channelId) : null;
      // The severity menu carries no value: its incident is the channel's. Buttons name theirs.
      const incidentId = action.type === 'static_select' ? channelIncident : (action.value ?? null);
      if (!channelIncident || !incidentId || incidentId !== channelIncident) {
        return tellClicker('These controls work on an incident card in its own incident channel. `/incident list` shows the open incidents.');
      }
      let args = '';
      if (action.type === 'static_select') {
        const checked = checkArgs('sev', action.selected_option?.value ?? '');
        if (!checked.ok) return tellClicker('Pick a severity from SEV1 (worst) to SEV4 in the menu.');
        args = checked.args;
      }
      const id = deliveryId(body.trigger_id, action.action_ts, actionId, body.user.id);
      await enqueueThenAck(deps, ack, respond, 'your click', () =>
        deps.queues.add('incident.command', { incidentId, verb, args, userId: body.user.id, ...(channelId ? { channelId } : {}), sourceId: `action:${id}` }),
      );
    });
  }
}

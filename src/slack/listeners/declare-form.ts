import type { App } from '@slack/bolt';
import { readDeclareForm, readDeclareMeta } from '../blocks/declare-modal.js';
import { VIEWS } from '../blocks/ids.js';
import { deliveryId, type ListenerDeps } from './deps.js';

/**
 * The declare form's submission. Problems go back into the form (`response_action: errors`);
 * otherwise the declaration is queued before the form closes. The incident id derives from the
 * trigger_id of the `/incident declare` that opened the form, so a double submit declares once.
 */
export function registerDeclareForm(app: App, deps: ListenerDeps): void {
  app.view(VIEWS.declare, async ({ ack, body, view }) => {
    const form = readDeclareForm(view.state.values);
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    const meta = readDeclareMeta(view.private_metadata);
    const id = deliveryId('declare', meta?.trigger ?? `view:${view.id}`);
    await deps.queues.add('incident.declare', { sourceId: `declare:${id}`, ...form.value, userId: body.user.id, ...(meta?.channel ? { channelId: meta.channel } : {}) });
    await ack();
  });
}

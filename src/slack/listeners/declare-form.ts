import type { App } from '@slack/bolt';
import { DECLARE_INPUTS, readDeclareForm, readDeclareMeta } from '../blocks/declare-modal.js';
import { VIEWS } from '../blocks/ids.js';
import { deliveryId, type ListenerDeps } from './deps.js';
import { tryEnqueue } from './enqueue.js';

/** Shown on the form's first field, which stays open, when the declaration could not be queued. */
const NOT_QUEUED = 'Beacon could not queue this declaration just now (its queue did not take it). Submit again in a moment.';

/**
 * The declare form's submission. Problems go back into the form (`response_action: errors`);
 * otherwise the declaration is queued before the form closes. When it cannot be queued, the form
 * stays open and says so. The incident id derives from the trigger_id of the `/incident declare`
 * that opened the form, so a double submit declares once.
 */
export function registerDeclareForm(app: App, deps: ListenerDeps): void {
  app.view(VIEWS.declare, async ({ ack, body, view }) => {
    const form = readDeclareForm(view.state.values);
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    const meta = readDeclareMeta(view.private_metadata);
    const id = deliveryId('declare', meta?.trigger ?? `view:${view.id}`);
    const declare = () => deps.queues.add('incident.declare', { sourceId: `declare:${id}`, ...form.value, userId: body.user.id, ...(meta?.channel ? { channelId: meta.channel } : {}) });
    if (!(await tryEnqueue(deps, 'a declaration', declare))) return ack({ response_action: 'errors', errors: { [DECLARE_INPUTS.title.block]: NOT_QUEUED } });
    await ack();
  });
}

import type { App } from '@slack/bolt';
import { esc } from '../escape.js';
import { deliveryId, type ListenerDeps } from './index.js';

export const HELP_TEXT = [
  '*Beacon: `/incident` commands*',
  '`/incident help` · this list',
  '`/incident declare <title> [sev1..sev4]` · open an incident channel',
  '`/incident list` · open incidents and their channels',
  '_Inside an incident channel:_',
  '`/incident status` · where the incident stands',
  '`/incident ack` · acknowledge; the first to acknowledge leads',
  '`/incident sev <1-4>` · change severity',
  '`/incident lead <@user>` · hand over the lead',
  '`/incident update <text>` · post a status update to the channel',
  '`/incident note <text>` · add a note to the timeline only',
  '`/incident task <text>` · a follow-up for the postmortem',
  '`/incident runbook [name]` · show or attach a runbook',
  '`/incident summary` · summarize the incident so far',
  '`/incident mitigate [what was done]` · impact is stopped',
  '`/incident resolve [what fixed it]` · resolve; the postmortem is drafted',
  '`/incident reopen` · take a resolved incident back',
  '`/incident postmortem` · the postmortem draft as a file',
].join('\n');

const STATE_VERBS = new Set(['ack', 'mitigate', 'resolve', 'sev']);

export function registerCommand(app: App, deps: ListenerDeps): void {
  app.command('/incident', async ({ ack, command }) => {
    const text = (command.text ?? '').trim();
    const [verbRaw = 'help', ...rest] = text.split(/\s+/);
    const verb = verbRaw.toLowerCase();
    const args = text.slice(verbRaw.length).trim();
    if (verb === 'help' || verb === '') return ack({ response_type: 'ephemeral', text: HELP_TEXT });
    if (STATE_VERBS.has(verb)) {
      const incidentId = await deps.store.byChannel(command.channel_id);
      if (!incidentId) {
        return ack({ response_type: 'ephemeral', text: `\`/incident ${esc(verb)}\` works inside an incident channel. Use \`/incident list\` to find one.` });
      }
      const id = deliveryId(command.trigger_id, command.user_id, text);
      await deps.queues.add(
        'incident.command',
        { incidentId, verb, args, userId: command.user_id, channelId: command.channel_id, sourceId: `command:${id}` },
        { jobId: `cmd-${id}` },
      );
      return ack();
    }
    void rest;
    return ack({ response_type: 'ephemeral', text: `Unknown command \`${esc(verb)}\`.\n${HELP_TEXT}` });
  });
}

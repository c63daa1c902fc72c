import type { App, BlockAction, ButtonAction, CheckboxesAction } from '@slack/bolt';
import { ACTIONS } from '../blocks/ids.js';
import { checklistToggles } from '../blocks/checklist.js';
import { section, type SlackMessage } from '../blocks/types.js';
import { cut, esc } from '../escape.js';
import { deliveryId, type ListenerDeps } from './deps.js';
import { enqueueThenAck, queuedThen } from './enqueue.js';
import { containerString } from './payload.js';
import type { IncidentVerbHandler } from './verb-context.js';

const say = (text: string): SlackMessage => ({ text, blocks: [section(text)] });

/** `/incident runbook`: lists the runbooks (attached ones marked); `/incident runbook <name>` attaches one. */
export const runbookVerb: IncidentVerbHandler = async (ctx) => {
  const all = ctx.deps.runbooks();
  const name = ctx.args.trim().toLowerCase();
  if (!name) {
    const attached = await ctx.deps.checklists.runbooks(ctx.incidentId);
    if (all.length === 0) return say('No runbooks are loaded. Add Markdown runbooks to `RUNBOOKS_DIR` (see the README).');
    const lines = all.map((r) => `${attached.includes(r.name) ? '✅' : '▫️'} \`${esc(r.name)}\` · ${esc(cut(r.title, 120))}${r.default ? ' _(default)_' : ''}`);
    return say(`*Runbooks* (✅ attached to this incident)\n${lines.join('\n')}\n\`/incident runbook <name>\` attaches another one.`);
  }
  if (!all.some((r) => r.name === name)) {
    return say(`No runbook named \`${esc(cut(name, 60))}\`. Known: ${all.map((r) => `\`${esc(r.name)}\``).join(', ') || 'none'}.`);
  }
  if ((await ctx.deps.checklists.runbooks(ctx.incidentId)).includes(name)) {
    return say(`\`${esc(name)}\` is already attached to this incident: its checklist is in the channel.`);
  }
  const id = deliveryId(ctx.triggerId, ctx.userId, ctx.text);
  const attach = () => ctx.deps.queues.add('runbook.attach', { incidentId: ctx.incidentId, name, userId: ctx.userId, channelId: ctx.channelId, runId: id });
  return queuedThen(ctx.deps, '`/incident runbook`', attach, say(`📘 Attaching \`${esc(name)}\`: its checklist will appear in the channel.`));
};

/** `/incident summary`: a summary of the whole incident, posted in the channel by the worker. */
export const summaryVerb: IncidentVerbHandler = async (ctx) => {
  const id = deliveryId(ctx.triggerId, ctx.userId, ctx.text);
  const post = () => ctx.deps.queues.add('summary.post', { incidentId: ctx.incidentId, periodic: false, runId: `asked-${id}` });
  return queuedThen(ctx.deps, '`/incident summary`', post, say('🧾 Posting a summary of the incident in the channel.'));
};

/** `/incident postmortem`: the draft, uploaded into the channel as a Markdown file. */
export const postmortemVerb: IncidentVerbHandler = async (ctx) => {
  const id = deliveryId(ctx.triggerId, ctx.userId, ctx.text);
  const post = () => ctx.deps.queues.add('postmortem.post', { incidentId: ctx.incidentId, reason: 'asked', runId: `asked-${id}` });
  return queuedThen(ctx.deps, '`/incident postmortem`', post, say('📝 Drafting the postmortem from the timeline; it will be uploaded to the channel as a file.'));
};

/**
 * Checklist boxes, the "Run checks" button and `:pushpin:` reactions: each turned into one job
 * with an id from the delivery, then acknowledged.
 */
export function registerRunbookAndTimelineListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<CheckboxesAction>>(ACTIONS.checklist, async ({ ack, body, action, respond }) => {
    const messageTs = body.message?.ts ?? containerString(body, 'message_ts');
    if (!action.block_id || !messageTs || !action.action_ts) return ack();
    // Slack sends every option now selected in the block; the message as the clicker saw it
    // tells which step changed.
    const toggles = checklistToggles({ blockId: action.block_id, selected: (action.selected_options ?? []).flatMap((o) => (o.value ? [o.value] : [])).slice(0, 10), messageBlocks: body.message?.blocks });
    const delivery = deliveryId('tick', messageTs, action.action_ts, body.user.id);
    await enqueueThenAck(deps, ack, respond, 'your tick', async () => {
      const incidentId = await deps.store.byChannel(body.channel?.id ?? '');
      if (incidentId) await deps.queues.add('checklist.toggle', { incidentId, toggles, userId: body.user.id, actionTs: action.action_ts, messageTs, delivery });
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.runCheck, async ({ ack, body, action, respond }) => {
    const runbook = /^checklist-controls:([a-z0-9-]+)$/.exec(action.block_id ?? '')?.[1];
    if (!runbook) return ack();
    const runId = deliveryId('checks', runbook, action.action_ts, body.user.id);
    await enqueueThenAck(deps, ack, respond, 'the check run', async () => {
      const incidentId = await deps.store.byChannel(body.channel?.id ?? '');
      if (incidentId) await deps.queues.add('checks.run', { incidentId, runbook, runId });
    });
  });

  app.event('reaction_added', async ({ event, body }) => {
    if (event.reaction !== 'pushpin' || event.item.type !== 'message') return;
    const channelId = event.item.channel;
    // Only incident channels keep a timeline; a pushpin elsewhere is none of Beacon's business.
    if (!(await deps.store.byChannel(channelId))) return;
    // Slack retries the same event_id; the job id and the timeline id (channel + ts) make it once.
    const delivery = deliveryId(body.event_id ?? `${channelId}:${event.item.ts}:${event.user}`);
    await deps.queues.add('timeline.pin', { channelId, ts: event.item.ts, reactor: event.user, delivery });
  });
}

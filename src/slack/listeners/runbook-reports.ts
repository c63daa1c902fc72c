import type { App } from '@slack/bolt';
import { ACTIONS } from '../blocks/ids.js';
import { section, type SlackMessage } from '../blocks/types.js';
import { cut, esc } from '../escape.js';
import { deliveryId, type ListenerDeps } from './index.js';
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
  await ctx.deps.queues.add(
    'runbook.attach',
    { incidentId: ctx.incidentId, name, userId: ctx.userId, channelId: ctx.channelId, runId: id },
    { jobId: `rb-${id}` },
  );
  return say(`📘 Attaching \`${esc(name)}\`: its checklist will appear in the channel.`);
};

/** `/incident summary`: a summary of the whole incident, posted in the channel by the worker. */
export const summaryVerb: IncidentVerbHandler = async (ctx) => {
  const id = deliveryId(ctx.triggerId, ctx.userId, ctx.text);
  await ctx.deps.queues.add('summary.post', { incidentId: ctx.incidentId, periodic: false, runId: `asked-${id}` }, { jobId: `sum-${id}` });
  return say('🧾 Posting a summary of the incident in the channel.');
};

/** `/incident postmortem`: the draft, uploaded into the channel as a Markdown file. */
export const postmortemVerb: IncidentVerbHandler = async (ctx) => {
  const id = deliveryId(ctx.triggerId, ctx.userId, ctx.text);
  await ctx.deps.queues.add('postmortem.post', { incidentId: ctx.incidentId, reason: 'asked', runId: `asked-${id}` }, { jobId: `pm-${id}` });
  return say('📝 Drafting the postmortem from the timeline; it will be uploaded to the channel as a file.');
};

/**
 * Checklist boxes, the "Run checks" button and `:pushpin:` reactions: each acknowledged at once
 * and turned into one job with an id from the delivery.
 */
export function registerRunbookAndTimelineListeners(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.checklist, async ({ ack, body, action }) => {
    await ack();
    const b = body as { user: { id: string }; channel?: { id: string }; message?: { ts: string; blocks?: unknown }; container?: { message_ts?: string } };
    const a = action as { block_id?: string; selected_options?: { value: string }[]; action_ts?: string };
    const incidentId = await deps.store.byChannel(b.channel?.id ?? '');
    const messageTs = b.message?.ts ?? b.container?.message_ts;
    if (!incidentId || !a.block_id || !messageTs || !a.action_ts) return;
    const id = deliveryId('tick', messageTs, a.action_ts, b.user.id);
    await deps.queues.add(
      'checklist.toggle',
      {
        incidentId,
        blockId: a.block_id,
        selected: (a.selected_options ?? []).map((o) => o.value).slice(0, 10),
        ...(b.message?.blocks ? { messageBlocks: b.message.blocks } : {}),
        userId: b.user.id,
        actionTs: a.action_ts,
        messageTs,
      },
      { jobId: `tick-${id}` },
    );
  });

  app.action(ACTIONS.runCheck, async ({ ack, body, action }) => {
    await ack();
    const b = body as { user: { id: string }; channel?: { id: string } };
    const a = action as { block_id?: string; action_ts?: string };
    const incidentId = await deps.store.byChannel(b.channel?.id ?? '');
    const runbook = /^checklist-controls:([a-z0-9-]+)$/.exec(a.block_id ?? '')?.[1];
    if (!incidentId || !runbook) return;
    const id = deliveryId('checks', runbook, a.action_ts, b.user.id);
    await deps.queues.add('checks.run', { incidentId, runbook, runId: id }, { jobId: `checks-${id}` });
  });

  app.event('reaction_added', async ({ event, body }) => {
    if (event.reaction !== 'pushpin' || event.item.type !== 'message') return;
    const channelId = event.item.channel;
    // Only incident channels keep a timeline; a pushpin elsewhere is none of Beacon's business.
    if (!(await deps.store.byChannel(channelId))) return;
    // Slack retries the same event_id; the job id and the timeline id (channel + ts) make it once.
    const eventId = (body as { event_id?: string }).event_id;
    await deps.queues.add(
      'timeline.pin',
      { channelId, ts: event.item.ts, reactor: event.user },
      { jobId: `pin-${deliveryId(eventId ?? `${channelId}:${event.item.ts}:${event.user}`)}` },
    );
  });
}

import type { IncidentDeps } from './deps.js';
import type { Incident } from './model.js';
import type { IncidentView } from './ports.js';
import { postOnce, tagOf } from './post-once.js';
import type { RunbookView } from '../runbooks/ports.js';

/**
 * Posts the incident's message for `slot` (`card`, `alerts`, `escalation-2`…) once, recording its ts
 * in the incident document; `pending` marks a post that was sent but whose ts is not recorded yet.
 */
export async function ensurePosted(
  d: Pick<IncidentDeps, 'store' | 'chat'>,
  inc: Incident,
  slot: string,
  view: (inc: Incident) => IncidentView | RunbookView,
  /** Where it goes: the incident's channel, unless another is given (the announce channel). */
  channelId: string = inc.slack.channelId!,
): Promise<Incident> {
  if (inc.slack.messages[slot]) return inc;
  let current = inc;
  await postOnce({
    chat: d.chat,
    channelId,
    tag: tagOf(inc.id, slot),
    view: () => view(current),
    record: {
      posted: async () => current.slack.messages[slot],
      wasSent: async () => !!current.slack.pending[slot],
      markSent: async () => {
        current = await d.store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, pending: { ...cur.slack.pending, [slot]: true } } }));
      },
      record: async (ts) => {
        current = await d.store.patch(inc.id, (cur) => {
          const { [slot]: _done, ...pending } = cur.slack.pending;
          return { ...cur, slack: { ...cur.slack, messages: { ...cur.slack.messages, [slot]: ts }, pending } };
        });
      },
    },
  });
  return current;
}

/** Posts a one-off channel message (an announcement, a change) once per `key`; `retried` looks for it first. */
export async function postOnceIn(d: Pick<IncidentDeps, 'chat'>, inc: Incident, key: string, view: IncidentView, retried: boolean): Promise<void> {
  await postOnce({ chat: d.chat, channelId: inc.slack.channelId!, tag: tagOf(inc.id, key), view: () => view, mayExist: retried });
}

/** A private answer to the person who asked, in the channel they asked from. */
export async function tell(
  d: Pick<IncidentDeps, 'chat' | 'store'>,
  c: { incidentId: string; userId: string; channelId?: string },
  view: Parameters<IncidentDeps['chat']['tell']>[2],
): Promise<void> {
  const channel = c.channelId ?? (await d.store.get(c.incidentId))?.slack.channelId;
  if (channel) await d.chat.tell(channel, c.userId, view);
}

/** Sets the channel topic from the incident when it changed, and records it. */
export async function syncTopic(d: Pick<IncidentDeps, 'chat' | 'store'>, inc: Incident): Promise<Incident> {
  if (!inc.slack.channelId) return inc;
  const topic = await d.chat.syncTopic(inc.slack.channelId, inc, inc.slack.topic);
  if (topic === inc.slack.topic) return inc;
  return d.store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, topic } }));
}

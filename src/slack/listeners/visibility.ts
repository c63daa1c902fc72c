import type { WebClient } from '@slack/web-api';
import type { Incident } from '../../incidents/model.js';
import type { VerbContext } from './verb-context.js';

/**
 * Who may see an incident: anyone, for a public one; for a private one only the members of its
 * channel, asked of Slack each time (people join and leave private channels without Beacon), and
 * its declarer while the channel is being opened. When Slack cannot say, nobody outside does.
 */
export async function canSee(ctx: VerbContext, inc: Incident): Promise<boolean> {
  if (!inc.private) return true;
  if (!inc.slack.channelId) return inc.declaredBy === ctx.userId;
  if (!ctx.members) return false;
  try {
    return (await ctx.members(inc.slack.channelId)).includes(ctx.userId);
  } catch (err) {
    ctx.deps.log.warn({ err: (err as Error).message, incidentId: inc.id }, 'could not read the members of a private incident channel: hiding it');
    return false;
  }
}

/** The incidents of `all` this person may see, in order. */
export async function visibleTo(ctx: VerbContext, all: Incident[]): Promise<Incident[]> {
  const seen = await Promise.all(all.map((inc) => canSee(ctx, inc)));
  return all.filter((_, i) => seen[i]);
}

/** `conversations.members`, every page (a private channel needs `groups:read`). */
export function channelMembers(client: WebClient): (channelId: string) => Promise<string[]> {
  return async (channelId) => {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await client.conversations.members({ channel: channelId, limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...(res.members ?? []));
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return out;
  };
}

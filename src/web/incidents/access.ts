import type { Incident } from '../../incidents/model.js';
import type { WebAuth } from '../auth/types.js';
import type { Viewer } from '../page.js';

/**
 * Who may see an incident on the web: everyone signed in sees the incidents that are not private;
 * a private one only the members of its channel (asked of Slack through `WebAuth.isMember`), and
 * before it has a channel only whoever declared it. A failed membership lookup hides it: the pages
 * fail closed.
 */

async function member(auth: WebAuth, viewer: Viewer, channelId: string): Promise<boolean> {
  return auth.isMember(viewer, channelId).catch(() => false);
}

export async function canSee(auth: WebAuth, viewer: Viewer, inc: Incident): Promise<boolean> {
  if (!inc.private) return true;
  const channel = inc.slack.channelId;
  return channel ? member(auth, viewer, channel) : inc.declaredBy === viewer.userId;
}

/** The incidents of `all` the viewer may see, in the same order; one membership lookup per private channel, all at once. */
export async function visibleTo(auth: WebAuth, viewer: Viewer, all: readonly Incident[]): Promise<Incident[]> {
  const channels = [...new Set(all.flatMap((i) => (i.private && i.slack.channelId ? [i.slack.channelId] : [])))];
  const answers = await Promise.all(channels.map(async (c) => [c, await member(auth, viewer, c)] as const));
  const allowed = new Set(answers.filter(([, ok]) => ok).map(([c]) => c));
  return all.filter((i) => !i.private || (i.slack.channelId ? allowed.has(i.slack.channelId) : i.declaredBy === viewer.userId));
}

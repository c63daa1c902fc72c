import type { DrillChat } from '../drills/ports.js';
import type { IncidentChat, PrivateView } from '../incidents/ports.js';
import type { PostmortemFile, ReportChat } from '../reports/ports.js';
import type { RunbookChat } from '../runbooks/ports.js';
import { renderTopic } from './blocks/card.js';
import { drillTopic, isDrillView, markDrill } from './blocks/drill.js';
import { METADATA } from './blocks/ids.js';
import { named, type Who } from './blocks/people.js';
import { peopleOf, renderPrivate, renderView, type ChatView } from './blocks/views.js';
import { SlackApiError, type SlackGateway } from './gateway.js';

/** Every port the domain declares, implemented once on Slack. */
export type Chat = IncidentChat & RunbookChat & ReportChat & DrillChat;

/**
 * The Slack adapter: renders each view the domain asks for and makes the Web API calls. A post's
 * tag travels as message metadata, which is how `findTagged` finds a post again after a crash.
 * People in a message are named by their display names (looked up, cached per process) so that
 * only the messages asking someone to act notify anyone. `links.publicUrl` (PUBLIC_URL) links the
 * card and summaries to Beacon's incident page.
 */
export function createChat(gw: SlackGateway, links: { publicUrl?: string } = {}): Chat {
  const tagged = (tag: string) => ({ eventType: METADATA.message, key: tag });
  const whoIn = async (view: ChatView | PrivateView): Promise<Who> => {
    const ids = peopleOf(view);
    return named(ids.length ? await gw.userNames(ids) : {});
  };
  // Every message of a drill's incident says DRILL, whatever renders it.
  const render = async (view: ChatView) => {
    const msg = renderView(view, await whoIn(view), links);
    return isDrillView(view) ? markDrill(msg) : msg;
  };
  return {
    async post(channelId: string, view: ChatView, tag: string) {
      const msg = await render(view);
      try {
        return await gw.postMessage(channelId, msg, tagged(tag));
      } catch (err) {
        // The announce channel before anyone invited Beacon: a public one it may join itself.
        if (!(err instanceof SlackApiError) || err.slackError !== 'not_in_channel') throw err;
        await gw.joinChannel(channelId);
        return gw.postMessage(channelId, msg, tagged(tag));
      }
    },
    update: async (channelId: string, ts: string, view: ChatView) => gw.updateMessage(channelId, ts, await render(view)),
    findTagged: (channelId, tag) => gw.findMessageByMetadata(channelId, METADATA.message, tag),
    openChannel: (name, opts) => gw.createChannel(name, !!opts?.private),
    async findOwnChannel(name) {
      const found = await gw.findChannelByName(name);
      return found && found.creator === (await gw.botUserId()) ? found.id : null;
    },
    invite: (channelId, userIds) => gw.invite(channelId, userIds),
    pin: (channelId, ts) => gw.pin(channelId, ts),
    async syncTopic(channelId, incident, current) {
      const topic = incident.drill ? drillTopic(renderTopic(incident)) : renderTopic(incident);
      if (topic !== current) await gw.setTopic(channelId, topic);
      return topic;
    },
    tell: async (channelId, userId, view) => gw.postEphemeral(channelId, userId, renderPrivate(view, await whoIn(view))),
    upload: (channelId, file) => gw.uploadFile(channelId, renderPostmortemFile(file)),
    hasFile: (channelId, filename) => gw.hasFile(channelId, filename),
    getMessage: (channelId, ts) => gw.getMessage(channelId, ts),
    userNames: (ids) => gw.userNames(ids),
  };
}

/** The postmortem file's title and the message it is posted with (a drill's say DRILL). */
export function renderPostmortemFile(f: PostmortemFile): { filename: string; title: string; content: string; comment: string } {
  const mark = f.incident.drill ? 'DRILL · ' : '';
  const n = f.incident.number;
  const comment =
    f.reason === 'resolved'
      ? `📝 The postmortem draft for #${n} is ready. Fill in the parts marked TODO (team) and move it to your postmortem docs.`
      : `📝 Postmortem draft for #${n} as of now.`;
  return { filename: f.filename, title: `${mark}Postmortem draft: #${n} ${f.incident.title}`.slice(0, 250), content: f.content, comment: `${mark}${comment}` };
}

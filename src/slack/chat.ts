import type { IncidentChat } from '../incidents/ports.js';
import type { ReportChat } from '../reports/ports.js';
import type { RunbookChat } from '../runbooks/ports.js';
import { renderTopic } from './blocks/card.js';
import { METADATA } from './blocks/ids.js';
import { renderPrivate, renderView, type ChatView } from './blocks/views.js';
import type { SlackGateway } from './gateway.js';

/** Every port the domain declares, implemented once on Slack. */
export type Chat = IncidentChat & RunbookChat & ReportChat;

/**
 * The Slack adapter: renders each view the domain asks for and makes the Web API calls. A post's
 * tag travels as message metadata, which is how `findTagged` finds a post again after a crash.
 */
export function createChat(gw: SlackGateway): Chat {
  const tagged = (tag: string) => ({ eventType: METADATA.message, key: tag });
  return {
    post: (channelId: string, view: ChatView, tag: string) => gw.postMessage(channelId, renderView(view), tagged(tag)),
    update: (channelId: string, ts: string, view: ChatView) => gw.updateMessage(channelId, ts, renderView(view)),
    findTagged: (channelId, tag) => gw.findMessageByMetadata(channelId, METADATA.message, tag),
    openChannel: (name) => gw.createChannel(name),
    async findOwnChannel(name) {
      const found = await gw.findChannelByName(name);
      return found && found.creator === (await gw.botUserId()) ? found.id : null;
    },
    invite: (channelId, userIds) => gw.invite(channelId, userIds),
    pin: (channelId, ts) => gw.pin(channelId, ts),
    async syncTopic(channelId, incident, current) {
      const topic = renderTopic(incident);
      if (topic !== current) await gw.setTopic(channelId, topic);
      return topic;
    },
    tell: (channelId, userId, view) => gw.postEphemeral(channelId, userId, renderPrivate(view)),
    upload: (channelId, file) => gw.uploadFile(channelId, file),
    hasFile: (channelId, filename) => gw.hasFile(channelId, filename),
    getMessage: (channelId, ts) => gw.getMessage(channelId, ts),
    userNames: (ids) => gw.userNames(ids),
  };
}

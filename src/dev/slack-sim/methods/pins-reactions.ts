/** `pins.*` and `reactions.add`: what the bot marks on messages. */
import { ApiError, str } from '../args.js';
import { apiMessage, messagePermalink } from '../api-objects.js';
import { tsKey } from '../ids.js';
import type { SimMessage } from '../types.js';
import type { Handler } from '../workspace.js';

const pinsAdd: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  if (!ws.isMember(ch)) throw new ApiError('not_in_channel');
  const ts = str(p, 'timestamp');
  if (!ts) throw new ApiError('no_item_specified');
  if (tsKey(ts) === undefined) throw new ApiError('bad_timestamp');
  const msg = ws.findMessage(ch.id, ts);
  if (!msg) throw new ApiError('message_not_found');
  if (ch.pins.includes(msg.ts)) throw new ApiError('already_pinned');
  ch.pins.push(msg.ts);
  ws.pinMeta.set(`${ch.id}:${msg.ts}`, { created: Math.floor(Date.now() / 1000), by: ws.botUserId });
  // Pinning writes a notice into the channel, as in the Slack client.
  ws.botNotice(ch.id, 'pinned_item', `<@${ws.botUserId}> pinned a message to this channel.`);
  return { ok: true };
};

const pinsRemove: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const ts = str(p, 'timestamp');
  if (!ts) throw new ApiError('no_item_specified');
  if (!ch.pins.includes(ts)) throw new ApiError('no_pin');
  ch.pins = ch.pins.filter((t) => t !== ts);
  return { ok: true };
};

const pinsList: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const items = ch.pins
    .map((ts) => ({ ts, msg: ws.findMessage(ch.id, ts), meta: ws.pinMeta.get(`${ch.id}:${ts}`) }))
    .filter((x): x is { ts: string; msg: SimMessage; meta: { created: number; by: string } | undefined } => x.msg !== undefined)
    .reverse()
    .map(({ msg, meta }) => ({
      type: 'message',
      created: meta?.created ?? 0,
      created_by: meta?.by ?? ws.botUserId,
      channel: ch.id,
      message: { ...apiMessage(ws, ch, msg, { withMetadata: false }), permalink: messagePermalink(ws, ch.id, msg.ts) },
    }));
  return { ok: true, items };
};

const reactionsAdd: Handler = (p, ws) => {
  const ch = ws.visibleChannel(str(p, 'channel'));
  const ts = str(p, 'timestamp');
  if (!ts) throw new ApiError('no_item_specified');
  const name = (str(p, 'name') ?? '').replace(/^:|:$/g, '');
  if (!name) throw new ApiError('invalid_name');
  const msg = ws.findMessage(ch.id, ts);
  if (!msg) throw new ApiError('message_not_found');
  if (!ws.addReaction(msg, name, ws.botUserId)) throw new ApiError('already_reacted');
  return { ok: true };
};

export const pinsReactionsMethods: Record<string, Handler> = {
  'pins.add': pinsAdd,
  'pins.remove': pinsRemove,
  'pins.list': pinsList,
  'reactions.add': reactionsAdd,
};

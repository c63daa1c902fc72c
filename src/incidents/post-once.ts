/** A message's identity in its channel: `<incident>:<slot>` (`card`, `summary:<run>`, `checklist:<runbook>`…). */
export const tagOf = (incidentId: string, slot: string): string => `${incidentId}:${slot}`;

/**
 * Posting that happens once: the message carries `tag`, and `findTagged` finds it again after a
 * crash between the post and recording its ts. Every domain port that posts extends this.
 */
export interface TaggedPoster<V> {
  post(channelId: string, view: V, tag: string): Promise<string>;
  findTagged(channelId: string, tag: string): Promise<string | null>;
  update(channelId: string, ts: string, view: V): Promise<void>;
}

/**
 * Where a message's ts is kept once posted: the incident document's slots, the checklist store,
 * or nowhere (a message that is only ever posted, never updated).
 */
export interface PostRecord {
  /** The ts recorded for this message, if any. */
  posted(): Promise<string | undefined>;
  /** True when a post was sent before (maybe by a job that died before recording its ts). */
  wasSent(): Promise<boolean>;
  /** Marks the post as sent, before sending it. */
  markSent(): Promise<void>;
  record(ts: string): Promise<void>;
}

export interface PostOnce<V> {
  chat: Pick<TaggedPoster<V>, 'post' | 'findTagged'>;
  channelId: string;
  /** The message's identity in the channel (`<incident>:<slot>`): the same every retry. */
  tag: string;
  view: () => V | Promise<V>;
  /** Where the ts is kept; without one, `mayExist` says whether to look for an earlier post. */
  record?: PostRecord;
  mayExist?: boolean;
}

/**
 * The one "post once" mechanism: post a message, record its ts, and after a crash find it again by
 * its tag instead of posting a second one. A failed lookup throws (the job retries); it is never
 * taken for "not posted", which would post twice.
 */
export async function postOnce<V>(p: PostOnce<V>): Promise<string> {
  const recorded = await p.record?.posted();
  if (recorded) return recorded;
  const mayExist = p.record ? await p.record.wasSent() : !!p.mayExist;
  let ts = mayExist ? await p.chat.findTagged(p.channelId, p.tag) : null;
  if (!ts) {
    await p.record?.markSent();
    ts = await p.chat.post(p.channelId, await p.view(), p.tag);
  }
  await p.record?.record(ts);
  return ts;
}

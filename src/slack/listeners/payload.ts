import type { BlockAction } from '@slack/bolt';

/**
 * A string field of a block action's `container` (the message or view the click came from),
 * which Bolt types as `Record<string, any>`: the field when Slack sent a string, else undefined.
 */
export function containerString(body: Pick<BlockAction, 'container'>, field: 'channel_id' | 'message_ts'): string | undefined {
  const value: unknown = body.container?.[field];
  return typeof value === 'string' ? value : undefined;
}

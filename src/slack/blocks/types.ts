import type { types } from '@slack/bolt';

/** A Block Kit block. Kept loose: renderers are checked by the simulator's Block Kit validation. */
export type Block = Record<string, unknown>;

/** A block as Bolt and the Web API type it: Slack's `Block` (a `type`, maybe a `block_id`). */
export type SlackBlock = types.Block & Block;

const isSlackBlock = (b: Block): b is SlackBlock => typeof b.type === 'string';

/** A message's blocks as Bolt takes them (every block a renderer makes has its `type`). */
export const slackBlocks = (blocks: readonly Block[]): SlackBlock[] => blocks.filter(isSlackBlock);

/** Everything a Slack message needs: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
export const md = (text: string) => ({ type: 'mrkdwn', text });
export const section = (text: string, extra: Record<string, unknown> = {}): Block => ({ type: 'section', text: md(text), ...extra });
export const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.slice(0, 10).map(md) });
export const divider = (): Block => ({ type: 'divider' });

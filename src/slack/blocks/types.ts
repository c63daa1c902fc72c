/** A Block Kit block. Kept loose: renderers are checked by the simulator's Block Kit validation. */
export type Block = Record<string, unknown>;

/** Everything a Slack message needs: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
export const md = (text: string) => ({ type: 'mrkdwn', text });
export const section = (text: string, extra: Record<string, unknown> = {}): Block => ({ type: 'section', text: md(text), ...extra });
export const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.slice(0, 10).map(md) });
export const divider = (): Block => ({ type: 'divider' });

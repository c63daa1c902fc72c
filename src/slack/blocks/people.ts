import { esc, mention } from '../escape.js';

/**
 * How a message shows a person. In Slack a mention (`<@U123>`) notifies; Beacon mentions someone
 * only to ask them to act (an escalation, the lead's reminder, an assignment). Everywhere else a
 * person is named as plain text (`@alice`, from their display name), which notifies no one.
 */
export type Who = (userId: string | undefined) => string;

const isUser = (id: string | undefined): id is string => !!id && /^[UW][A-Z0-9]+$/.test(id);

/** People as mentions: for the messages that ask them to act. */
export const mentions: Who = mention;

/**
 * People named without notifying: `@<display name>`, or `@<id>` when the name is not known;
 * `—` for nobody.
 */
export function named(names: Readonly<Record<string, string>>): Who {
  return (id) => {
    if (!isUser(id)) return '—';
    const name = names[id]?.replace(/[\s\u0000-\u001f]+/g, ' ').trim().slice(0, 80);
    return `@${name ? esc(name) : id}`;
  };
}

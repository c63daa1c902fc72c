/**
 * What the Slack client makes of what a person types, before it reaches an app: `&`, `<` and `>`
 * escaped as entities, `@alice` as `<@U0000001|alice>`, `#general` as `<#C…|general>`, `@here`
 * as `<!here>`. Slack does this to slash-command text when the command has `should_escape: true`
 * (Beacon's manifest says so) and to every message, so the playground does it to both.
 */
import type { SimChannel, SimUser } from '../slack-simulator.js';

const BROADCASTS = new Set(['here', 'channel', 'everyone']);

export function asTyped(text: string, users: readonly SimUser[], channels: readonly SimChannel[]): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .replace(/(^|[\s(,])@([\w.-]+)/g, (all, lead: string, name: string) => {
      const lower = name.toLowerCase();
      if (BROADCASTS.has(lower)) return `${lead}<!${lower}>`;
      const user = users.find((u) => u.name === lower);
      return user ? `${lead}<@${user.id}|${user.name}>` : all;
    })
    .replace(/(^|[\s(,])#([\w-]+)/g, (all, lead: string, name: string) => {
      const ch = channels.find((c) => c.name === name.toLowerCase());
      return ch ? `${lead}<#${ch.id}|${ch.name}>` : all;
    });
}

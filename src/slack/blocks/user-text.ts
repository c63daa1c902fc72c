import { esc } from '../escape.js';

const decodeEntities = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Command text as Beacon keeps it (timeline, updates, resolution): Slack's entities decoded once,
 * and people and channels as bare `<@U123>` / `<#C123>` tokens. Slack sends `&`, `<`, `>` as
 * entities and, with `should_escape`, mentions as `<@U123|alice>`; Socket Mode sends the same.
 */
export function normalizeCommandText(raw: string): string {
  return decodeEntities(
    raw
      .replace(/<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>/g, '<@$1>')
      .replace(/<#(C[A-Z0-9]{2,})(?:\|[^>]*)?>/g, '<#$1>'),
  ).trim();
}

/**
 * A title from command text: plain words only, since titles are shown escaped everywhere
 * (headers, channel names, topics). `<@U1|alice>` -> `@alice`, `<url|label>` -> `label`.
 */
export function plainTitle(raw: string): string {
  return decodeEntities(
    raw
      .replace(/<([@#])[A-Z0-9]+\|([^>]*)>/g, '$1$2')
      .replace(/<([@#])([A-Z0-9]+)>/g, '$1$2')
      .replace(/<!subteam\^[A-Z0-9]+\|@?([^>]*)>/g, '@$1')
      .replace(/<!([a-z]+)(?:\^[^>|]*)?(?:\|[^>]*)?>/g, '@$1')
      .replace(/<(https?:[^>|]+)\|([^>]*)>/g, '$2')
      .replace(/<(https?:[^>]+)>/g, '$1'),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Text a person typed, made safe to show in mrkdwn: everything escaped (`<!channel>` and links
 * stay inert), then the person and channel mentions they typed on purpose given back.
 */
export function userText(text: string | undefined | null): string {
  if (!text) return '';
  return esc(text)
    .replace(/&lt;@([UW][A-Z0-9]{2,})&gt;/g, '<@$1>')
    .replace(/&lt;#(C[A-Z0-9]{2,})&gt;/g, '<#$1>');
}

/** A mention of an escalation target: a person (`U…`/`W…`) or a user group (`S…`). */
export function mentionTarget(id: string): string | null {
  if (/^[UW][A-Z0-9]{2,}$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,}$/.test(id)) return `<!subteam^${id}>`;
  return null;
}

/** A runbook's escalation entry as a mention: `<!subteam^S…>` for a user group, `<@U…>` otherwise. */
export const slackMention = (id: string): string => mentionTarget(id) ?? `<@${id}>`;

/**
 * Slack treats `<...>` as control sequences (`<!channel>`, `<@U123>`, `<url|label>`) and `&` as
 * the start of an entity. Escaping these three characters in every piece of untrusted text is
 * what stops an alert titled `<!channel>` from paging a whole workspace.
 */
export function esc(text: string | undefined | null): string {
  if (!text) return '';
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` characters (after escaping, so entities are counted), ending with an ellipsis. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let s = text.slice(0, max - 1);
  // Never leave half an entity behind.
  const amp = s.lastIndexOf('&');
  if (amp !== -1 && amp > s.length - 6 && !s.slice(amp).includes(';')) s = s.slice(0, amp);
  return `${s}…`;
}

/** A Slack link whose label is escaped; URLs were validated as http(s) without `<>|` at intake. */
export function link(url: string, label: string): string {
  if (!/^https?:\/\/[^\s<>|]+$/i.test(url)) return esc(label);
  return `<${url}|${esc(label).replace(/\|/g, '¦')}>`;
}

export const mention = (userId: string | undefined) => (userId && /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : '—');

/** Slack renders this in each reader's own time zone, with the ISO time as fallback. */
export function slackDate(iso: string, format = '{date_short_pretty} {time}'): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return esc(iso);
  return `<!date^${Math.floor(t / 1000)}^${format}|${new Date(t).toISOString().replace('.000Z', 'Z')}>`;
}

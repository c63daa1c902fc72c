/**
 * Slack's mrkdwn as HTML, for the playground page: `*bold*`, `_italic_`, `~strike~`, `` `code` ``,
 * ```` ``` ```` blocks, `>` quotes, line breaks, links `<url|text>`, mentions `<@U1>` as `@name`,
 * channels `<#C1>` as `#name`, `<!here>`, and `<!date^…|fallback>` as a `<time>`.
 *
 * Everything is escaped: the text comes from alerts and people. Angle-bracket tokens and code are
 * rendered first and held aside as placeholders, the rest is decoded from Slack's three entities
 * and escaped, and only then does emphasis add its (constant) tags around already-escaped text.
 */
import { esc, safeHref } from '../../web/html.js';
import type { NameLookup } from '../mrkdwn-text.js';

const OPEN = '\uE000';
const CLOSE = '\uE001';
const HELD = /\uE000(\d+)\uE001/g;

const BROADCASTS: Readonly<Record<string, string>> = { here: '@here', channel: '@channel', everyone: '@everyone' };

/** Slack escapes `&`, `<` and `>` in message text; what a person reads is the decoded text. */
export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Mrkdwn as an HTML string (escaped; safe to put inside an element). */
export function mrkdwnHtml(text: string, names?: NameLookup): string {
  const held: string[] = [];
  const hold = (h: string) => `${OPEN}${held.push(h) - 1}${CLOSE}`;
  let s = text.replace(/[\uE000\uE001]/g, '');
  s = s.replace(/```\n?([\s\S]*?)```/g, (_all, code: string) => hold(`<pre class="code">${esc(decodeEntities(code))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_all, code: string) => hold(`<code>${esc(decodeEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]*)>/g, (_all, inner: string) => hold(angle(inner, names)));
  s = esc(decodeEntities(s));
  s = emphasis(s);
  s = quotesAndBreaks(s);
  // Held parts never contain placeholders (the input's were stripped), so one pass restores all.
  return s.replace(HELD, (_all, i: string) => held[Number(i)] ?? '');
}

/** `*bold*`, `_italic_`, `~strike~` on escaped text: the markers must hug their words. */
function emphasis(s: string): string {
  const mark = (ch: string, tag: string) => {
    const q = ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(^|[^\\p{L}\\p{N}${q}])${q}(?=[^\\s${q}])([^${q}\\n]*?[^\\s${q}])?${q}(?![\\p{L}\\p{N}${q}])`, 'gu');
    return (t: string) => t.replace(re, (all, lead: string, inner: string | undefined) => (inner === undefined ? all : `${lead}<${tag}>${inner}</${tag}>`));
  };
  return [mark('*', 'strong'), mark('_', 'em'), mark('~', 'del')].reduce((t, f) => f(t), s);
}

/** Lines starting with `>` (escaped: `&gt;`) become a blockquote; the other line breaks `<br>`. */
function quotesAndBreaks(s: string): string {
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  const lines = s.split('\n');
  lines.forEach((line, i) => {
    const m = /^&gt;\s?(.*)$/.exec(line);
    if (m) return void quote.push(m[1] ?? '');
    flush();
    out.push(line + (i < lines.length - 1 && !(lines[i + 1] ?? '').startsWith('&gt;') ? '<br>' : ''));
  });
  flush();
  return out.join('');
}

/** One `<…>` token: a mention, a channel, a special command or a link. */
function angle(inner: string, names?: NameLookup): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${esc(names?.userName(id) ?? label ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<a class="channel-ref" href="?channel=${encodeURIComponent(id)}" data-channel="${esc(id)}">#${esc(names?.channelName(id) ?? label ?? id)}</a>`;
  }
  if (target.startsWith('!')) return special(target.slice(1), label);
  const url = decodeEntities(target);
  // Only an absolute URL is a link; anything else between angle brackets is shown as typed.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return esc(`<${decodeEntities(inner)}>`);
  const href = safeHref(url);
  const text = label ?? url.replace(/^mailto:/, '');
  if (href === '#' || !/^https?:/i.test(href)) return esc(text);
  return `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer">${esc(text)}</a>`;
}

function special(command: string, label: string | undefined): string {
  if (command.startsWith('subteam^')) return `<span class="mention">${esc(label ?? `@${command.slice('subteam^'.length)}`)}</span>`;
  if (command.startsWith('date^')) return dateToken(command, label);
  const broadcast = BROADCASTS[command];
  return `<span class="mention">${esc(broadcast ?? label ?? `@${command}`)}</span>`;
}

/** `date^<unix>^<format>[^link]`: the time in UTC in the format's shape (the page localizes it). */
function dateToken(command: string, label: string | undefined): string {
  const [, unix = '', format = ''] = command.split('^');
  const secs = Number(unix);
  if (!Number.isFinite(secs) || unix === '') return esc(label ?? command);
  const d = new Date(secs * 1000);
  const iso = d.toISOString();
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const parts: Record<string, string> = {
    date_num: iso.slice(0, 10),
    date: `${d.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' })} ${d.getUTCDate()}, ${d.getUTCFullYear()}`,
    date_short: `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}`,
    date_long: `${d.toLocaleString('en-US', { weekday: 'long', timeZone: 'UTC' })}, ${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}`,
    date_pretty: `${month} ${d.getUTCDate()}`,
    date_short_pretty: `${month} ${d.getUTCDate()}`,
    date_long_pretty: `${month} ${d.getUTCDate()}`,
    time: `${iso.slice(11, 16)} UTC`,
    time_secs: `${iso.slice(11, 19)} UTC`,
  };
  const text = format.replace(/\{(\w+)\}/g, (all, key: string) => parts[key] ?? all);
  return `<time datetime="${esc(iso)}">${esc(text)}</time>`;
}

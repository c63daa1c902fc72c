/**
 * HTML that escapes by default. Every value put into an `html` template is escaped unless it is
 * itself `Html` (a fragment built the same way); arrays are joined. There is no other way to make
 * `Html` from a string than `raw`, which only trusted, constant markup may use.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an element's content and for a quoted attribute value. */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function part(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(v);
}

/** Tagged template: `html\`<p>${untrusted}</p>\``. `undefined`, `null` and `false` render nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Trusted markup as is: constants only, never text that came from outside. */
export function raw(s: string): Html {
  return new Html(s);
}

/** A URL for an `href`: only http(s) and relative paths; anything else (`javascript:`) becomes `#`. */
export function safeHref(url: string | undefined): string {
  if (!url) return '#';
  if (/^https?:\/\//i.test(url) || (url.startsWith('/') && !url.startsWith('//'))) return url;
  return '#';
}

import MarkdownIt from 'markdown-it';
import { raw, type Html } from '../html.js';

/**
 * Markdown (the postmortem draft) to HTML for a page. Raw HTML in the source is shown as text
 * (`html: false`), bare URLs stay text (`linkify: false`), markdown-it's own link check drops
 * `javascript:` and the like; links get `rel="nofollow noopener noreferrer"`. Table alignment,
 * which markdown-it writes as a style attribute the page's CSP forbids, becomes a class.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer');
  return self.renderToken(tokens, idx, options);
};

for (const rule of ['th_open', 'td_open'] as const) {
  md.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    const align = /text-align:\s*(left|right|center)/.exec(token.attrGet('style') ?? '')?.[1];
    if (token.attrs) token.attrs = token.attrs.filter(([name]) => name !== 'style');
    if (align) token.attrJoin('class', `align-${align}`);
    return self.renderToken(tokens, idx, options);
  };
}

// Headings move down `env.shift` levels (at most h6), so a document fits under the page's own h2.
for (const rule of ['heading_open', 'heading_close'] as const) {
  md.renderer.rules[rule] = (tokens, idx, options, env: { shift?: number }, self) => {
    const token = tokens[idx]!;
    const level = Number(token.tag.slice(1));
    if (env?.shift && level) token.tag = `h${Math.min(6, level + env.shift)}`;
    return self.renderToken(tokens, idx, options);
  };
}

/**
 * The Markdown as HTML: safe to put in a page as it is (markdown-it escapes all text); headings
 * `shift` levels down.
 */
export function markdownHtml(source: string, shift = 0): Html {
  return raw(md.render(source, { shift }));
}

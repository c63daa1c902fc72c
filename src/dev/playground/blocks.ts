/**
 * Block Kit as HTML, the way the Slack client lays it out: header, section (text, fields,
 * accessory), context, divider, actions (buttons, static selects, overflow menus, checkboxes,
 * radio buttons), image (as a link), input (in modals), rich_text, markdown, file and video.
 *
 * Interactive elements carry what a click needs in `data-` attributes (`data-kind`,
 * `data-action-id`, `data-block-id`, `data-value`); the page's script finds the message around
 * them and sends the interaction through the simulator. No inline style or handler anywhere.
 */
import { html, raw, safeHref, type Html } from '../../web/html.js';
import type { NameLookup } from '../mrkdwn-text.js';
import { decodeEntities, mrkdwnHtml } from './mrkdwn.js';

type Obj = Record<string, unknown>;

export interface BlockContext {
  names?: NameLookup;
  /** False for messages nobody can act on (ephemerals here): controls are shown disabled. */
  interactive: boolean;
  /** Errors per block_id (a modal's `response_action: errors`). */
  errors?: Record<string, string>;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * A composition text object: `mrkdwn` rendered, `plain_text` as text. Both have Slack's three
 * entities (`&amp;`, `&lt;`, `&gt;`) decoded, as the client shows them, then escaped for HTML.
 */
export function textHtml(v: unknown, names?: NameLookup): Html {
  if (!isObj(v) || typeof v.text !== 'string') return raw('');
  return v.type === 'mrkdwn' ? raw(mrkdwnHtml(v.text, names)) : html`${decodeEntities(v.text)}`;
}

/** A text object as the plain words it shows (for option labels, which cannot hold markup). */
function textPlain(v: unknown): string {
  return isObj(v) && typeof v.text === 'string' ? decodeEntities(v.text) : '';
}

export function renderBlocks(blocks: readonly unknown[], ctx: BlockContext): Html {
  return html`${blocks.filter(isObj).map((b) => renderBlock(b, ctx))}`;
}

function renderBlock(b: Obj, ctx: BlockContext): Html {
  const id = str(b.block_id);
  switch (b.type) {
    case 'header':
      return html`<div class="bk-header">${textHtml(b.text, ctx.names)}</div>`;
    case 'section':
      return section(b, ctx);
    case 'context':
      return html`<div class="bk-context">${list(b.elements).map((e) =>
        e.type === 'image' ? imageLink(e.image_url, e.alt_text) : html`<span class="bk-context-part">${textHtml(e, ctx.names)}</span>`,
      )}</div>`;
    case 'divider':
      return html`<hr class="bk-divider">`;
    case 'actions':
      return html`<div class="bk-actions" data-block-id="${id ?? ''}">${list(b.elements).map((e) => element(e, id, ctx))}</div>`;
    case 'image':
      return html`<div class="bk-image">${imageLink(b.image_url, textPlain(b.title) || b.alt_text)}</div>`;
    case 'input':
      return input(b, ctx);
    case 'rich_text':
      return html`<div class="bk-rich">${list(b.elements).map((part) => richPart(part, ctx.names))}</div>`;
    case 'markdown':
      return html`<div class="bk-markdown">${str(b.text) ?? ''}</div>`;
    case 'file':
      return html`<div class="bk-file">📎 ${str(b.external_id) ?? 'file'}</div>`;
    case 'video':
      return html`<div class="bk-video"><a href="${safeHref(str(b.title_url) ?? str(b.video_url))}" target="_blank" rel="noopener noreferrer">▶ ${textPlain(b.title)}</a></div>`;
    default:
      return html`<div class="bk-unknown">[${String(b.type)} block]</div>`;
  }
}

function section(b: Obj, ctx: BlockContext): Html {
  const id = str(b.block_id);
  const text = b.text === undefined ? '' : html`<div class="bk-text">${textHtml(b.text, ctx.names)}</div>`;
  const fields = list(b.fields);
  const grid = fields.length ? html`<div class="bk-fields">${fields.map((f) => html`<div class="bk-field">${textHtml(f, ctx.names)}</div>`)}</div>` : '';
  const accessory = isObj(b.accessory) ? html`<div class="bk-accessory" data-block-id="${id ?? ''}">${element(b.accessory, id, ctx)}</div>` : '';
  return html`<div class="bk-section">${text}${grid}${accessory}</div>`;
}

/** An image as a link to it (the page loads nothing from elsewhere). */
function imageLink(url: unknown, alt: unknown): Html {
  const href = safeHref(str(url));
  const label = `🖼 ${typeof alt === 'string' && alt ? alt : 'image'}`;
  return href === '#' ? html`<span class="bk-img">${label}</span>` : html`<a class="bk-img" href="${href}" target="_blank" rel="noopener noreferrer">${label}</a>`;
}

/** The attributes that tell the page's script what was clicked. */
function dataOf(kind: string, e: Obj, blockId: string | undefined): Html {
  return html` data-kind="${kind}" data-type="${str(e.type) ?? ''}" data-action-id="${str(e.action_id) ?? ''}" data-block-id="${blockId ?? ''}"`;
}

const disabled = (ctx: BlockContext): Html => (ctx.interactive ? raw('') : raw(' disabled'));

/** One interactive (or image) element of an actions block or a section's accessory. */
function element(e: Obj, blockId: string | undefined, ctx: BlockContext): Html {
  switch (e.type) {
    case 'button':
    case 'workflow_button':
      return button(e, blockId, ctx);
    case 'static_select':
    case 'overflow':
    case 'multi_static_select':
      return select(e, blockId, ctx);
    case 'checkboxes':
    case 'radio_buttons':
      return choices(e, blockId, ctx);
    case 'image':
      return imageLink(e.image_url, e.alt_text);
    case 'datepicker':
    case 'timepicker':
    case 'datetimepicker':
      return html`<span class="bk-picker">${str(e.initial_date) ?? str(e.initial_time) ?? textPlain(e.placeholder)}</span>`;
    default:
      return html`<span class="bk-unsupported">[${String(e.type)}]</span>`;
  }
}

function button(e: Obj, blockId: string | undefined, ctx: BlockContext): Html {
  const style = e.style === 'primary' || e.style === 'danger' ? ` btn-${e.style}` : '';
  const url = str(e.url);
  if (url && safeHref(url) !== '#') {
    return html`<a class="btn${style}" href="${safeHref(url)}" target="_blank" rel="noopener noreferrer">${textHtml(e.text, ctx.names)}</a>`;
  }
  return html`<button type="button" class="btn${style}"${dataOf('button', e, blockId)} data-value="${str(e.value) ?? ''}"${disabled(ctx)}>${textHtml(e.text, ctx.names)}</button>`;
}

/** Options of a select, its groups included. */
function optionsOf(e: Obj): Obj[] {
  return [...list(e.options), ...list(e.option_groups).flatMap((g) => list(g.options))];
}

function selectedValues(e: Obj): Set<string> {
  const picked = [...list(e.initial_options), ...(isObj(e.initial_option) ? [e.initial_option] : [])];
  return new Set(picked.map((o) => String(o.value)));
}

function optionTag(o: Obj, picked: Set<string>): Html {
  return html`<option value="${String(o.value ?? '')}"${picked.has(String(o.value)) ? raw(' selected') : ''}>${textPlain(o.text)}</option>`;
}

function select(e: Obj, blockId: string | undefined, ctx: BlockContext): Html {
  const picked = selectedValues(e);
  const multi = e.type === 'multi_static_select';
  const placeholder = e.type === 'overflow' ? '⋯' : textPlain(e.placeholder) || 'Select an option';
  const groups = list(e.option_groups);
  const body = groups.length
    ? groups.map((g) => html`<optgroup label="${textPlain(g.label)}">${list(g.options).map((o) => optionTag(o, picked))}</optgroup>`)
    : list(e.options).map((o) => optionTag(o, picked));
  const first = multi ? '' : html`<option value=""${picked.size ? '' : raw(' selected')} disabled>${placeholder}</option>`;
  const label = textPlain(e.placeholder) || str(e.action_id) || 'choice';
  return html`<select class="bk-select"${dataOf('select', e, blockId)}${multi ? raw(' multiple') : ''} aria-label="${label}"${disabled(ctx)}>${first}${body}</select>`;
}

function choices(e: Obj, blockId: string | undefined, ctx: BlockContext): Html {
  const picked = selectedValues(e);
  const kind = e.type === 'checkboxes' ? 'checkbox' : 'radio';
  const group = `${blockId ?? ''}/${str(e.action_id) ?? ''}`;
  return html`<div class="bk-choices"${dataOf('choices', e, blockId)} role="group">${list(e.options).map((o) => {
    const description = o.description === undefined ? '' : html`<span class="bk-choice-desc">${textHtml(o.description, ctx.names)}</span>`;
    return html`<label class="bk-choice"><input type="${kind}" name="${group}" value="${String(o.value ?? '')}"${picked.has(String(o.value)) ? raw(' checked') : ''}${disabled(ctx)}><span class="bk-choice-text">${textHtml(o.text, ctx.names)}${description}</span></label>`;
  })}</div>`;
}

/** An input block (in a modal): its label, its control, its hint and any error. */
function input(b: Obj, ctx: BlockContext): Html {
  const id = str(b.block_id) ?? '';
  const e = isObj(b.element) ? b.element : {};
  const error = ctx.errors?.[id];
  const optional = b.optional === true ? html` <span class="bk-optional">(optional)</span>` : '';
  const hint = b.hint === undefined ? '' : html`<div class="bk-hint">${textHtml(b.hint, ctx.names)}</div>`;
  return html`<div class="bk-input${error ? ' has-error' : ''}" data-input-block="${id}"><label class="bk-label"><span>${textPlain(b.label)}${optional}</span>${control(e, id, ctx)}</label>${hint}${
    error ? html`<div class="bk-error" role="alert">${error}</div>` : ''
  }</div>`;
}

/** The form control of an input block, marked `data-input` so the page can read its value. */
function control(e: Obj, blockId: string, ctx: BlockContext): Html {
  const action = str(e.action_id) ?? '';
  if (e.type === 'plain_text_input') {
    const attrs = html` data-input="${blockId}" data-action-id="${action}" data-type="plain_text_input" placeholder="${textPlain(e.placeholder)}"${
      typeof e.max_length === 'number' ? html` maxlength="${e.max_length}"` : ''
    }`;
    const value = str(e.initial_value) ?? '';
    return e.multiline === true ? html`<textarea rows="4"${attrs}>${value}</textarea>` : html`<input type="text"${attrs} value="${value}">`;
  }
  if (e.type === 'static_select' || e.type === 'multi_static_select') {
    const picked = selectedValues(e);
    const multi = e.type === 'multi_static_select';
    const first = multi ? '' : html`<option value=""${picked.size ? '' : raw(' selected')}>${textPlain(e.placeholder) || 'Select an option'}</option>`;
    return html`<select data-input="${blockId}" data-action-id="${action}" data-type="${String(e.type)}"${multi ? raw(' multiple') : ''}>${first}${optionsOf(e).map((o) => optionTag(o, picked))}</select>`;
  }
  if (e.type === 'checkboxes' || e.type === 'radio_buttons') {
    return html`<span class="bk-input-choices" data-input="${blockId}" data-action-id="${action}" data-type="${String(e.type)}">${choices(e, blockId, { ...ctx, interactive: true })}</span>`;
  }
  return element(e, blockId, ctx);
}

/** Rich text (what the Slack composer makes): sections, lists, quotes, preformatted. */
function richPart(part: Obj, names?: NameLookup): Html {
  const inline = (els: Obj[]) => els.map((e) => richInline(e, names));
  switch (part.type) {
    case 'rich_text_list':
      return html`<ul>${list(part.elements).map((item) => html`<li>${inline(list(item.elements))}</li>`)}</ul>`;
    case 'rich_text_quote':
      return html`<blockquote>${inline(list(part.elements))}</blockquote>`;
    case 'rich_text_preformatted':
      return html`<pre class="code">${inline(list(part.elements))}</pre>`;
    default:
      return html`<div>${inline(list(part.elements))}</div>`;
  }
}

function richInline(e: Obj, names?: NameLookup): Html {
  switch (e.type) {
    case 'text':
      return html`${str(e.text) ?? ''}`;
    case 'link': {
      const href = safeHref(str(e.url));
      return href === '#' ? html`${str(e.text) ?? ''}` : html`<a href="${href}" target="_blank" rel="noopener noreferrer">${str(e.text) || href}</a>`;
    }
    case 'user':
      return html`<span class="mention">@${names?.userName(String(e.user_id)) ?? String(e.user_id)}</span>`;
    case 'channel':
      return html`<span class="channel-ref">#${names?.channelName(String(e.channel_id)) ?? String(e.channel_id)}</span>`;
    case 'emoji': {
      const code = str(e.unicode) ?? '';
      const ok = /^[0-9a-f]{2,6}(-[0-9a-f]{2,6})*$/i.test(code);
      return html`${ok ? String.fromCodePoint(...code.split('-').map((h) => Math.min(parseInt(h, 16), 0x10ffff))) : `:${String(e.name)}:`}`;
    }
    case 'broadcast':
      return html`<span class="mention">@${String(e.range)}</span>`;
    default:
      return raw('');
  }
}

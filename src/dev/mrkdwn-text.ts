/**
 * Plain-text rendering of Slack message content: mrkdwn strings and Block Kit blocks turned into
 * the lines a person would read in the Slack client. The simulator's `transcript()` uses it so that
 * `npm run demo` can print an incident channel to a terminal.
 *
 * This is a reading aid, not a Slack client: emphasis markers (`*bold*`, `_italic_`) and emoji
 * shortcodes stay as typed, because they read fine in a terminal; what must change is everything
 * between angle brackets (mentions, links), which is unreadable raw.
 */

/** Resolves ids to the names a Slack client would show in their place. */
export interface NameLookup {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
}

type Obj = Record<string, unknown>;

const BROADCASTS: Readonly<Record<string, string>> = { here: '@here', channel: '@channel', everyone: '@everyone' };

/**
 * Mrkdwn to readable text: `<@U1>` becomes `@alice`, `<#C1|inc>` `#inc`, `<!here>` `@here`,
 * `<https://x|label>` `label (https://x)`, and the three HTML entities Slack escapes are decoded.
 */
export function mrkdwnToText(text: string, names?: NameLookup): string {
  // Entities are decoded last: a decoded `&lt;` must never be read as the start of a mention.
  return decodeEntities(text.replace(/<([^<>\n]*)>/g, (_all, inner: string) => renderAngle(inner, names)));
}

function renderAngle(inner: string, names?: NameLookup): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    // The current name wins over the label baked into the text, as in the Slack client.
    return `@${names?.userName(id) ?? label ?? id}`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `#${names?.channelName(id) ?? label ?? id}`;
  }
  if (target.startsWith('!')) {
    const command = target.slice(1);
    if (command.startsWith('subteam^')) return label ?? `@${command.slice('subteam^'.length)}`;
    // <!date^...|fallback>: the fallback is the text Slack shows when it cannot format the date.
    if (command.startsWith('date^')) return label ?? command;
    return BROADCASTS[command] ?? label ?? `@${command}`;
  }
  // A link. A terminal cannot make a label clickable, so the URL stays visible next to it.
  const url = target.replace(/^mailto:/, '');
  return label === undefined || label === target || label === url ? url : `${label} (${url})`;
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The text of a composition text object (`plain_text` or `mrkdwn`), rendered. */
function textObject(v: unknown, names?: NameLookup): string {
  if (!isObj(v) || typeof v.text !== 'string') return '';
  return v.type === 'mrkdwn' ? mrkdwnToText(v.text, names) : v.text;
}

/** Options whose value is among `selected` (by value), for checkbox and radio rendering. */
function selectedValues(element: Obj): Set<string> {
  const picked = [...asArray(element.initial_options), element.initial_option];
  return new Set(picked.filter(isObj).map((o) => String(o.value)));
}

/**
 * One interactive element as inline text, e.g. `[Acknowledge]` or `[sev2 ▾]`. Elements that list
 * their options (checkboxes, radio buttons) are not inline; see `optionLines`.
 */
function inlineElement(element: Obj, names?: NameLookup): string {
  switch (element.type) {
    case 'button':
    case 'workflow_button':
      return `[${textObject(element.text, names)}]`;
    case 'overflow':
      return '[⋯]';
    case 'image':
      return `🖼 ${String(element.alt_text ?? '')}`;
    case 'datepicker':
      return `[📅 ${String(element.initial_date ?? textObject(element.placeholder, names))}]`;
    case 'timepicker':
      return `[🕒 ${String(element.initial_time ?? textObject(element.placeholder, names))}]`;
    default: {
      if (typeof element.type === 'string' && element.type.endsWith('select')) {
        const chosen = isObj(element.initial_option) ? textObject(element.initial_option.text, names) : '';
        const many = asArray(element.initial_options).filter(isObj).map((o) => textObject(o.text, names));
        const shown = chosen || many.join(', ') || textObject(element.placeholder, names) || 'Select';
        return `[${shown} ▾]`;
      }
      return `[${String(element.type)}]`;
    }
  }
}

function hasOptionLines(element: Obj): boolean {
  return element.type === 'checkboxes' || element.type === 'radio_buttons';
}

/** Checkboxes as `[x] text` / `[ ] text` lines, radio buttons as `(•) text` / `( ) text`. */
function optionLines(element: Obj, names?: NameLookup): string[] {
  const picked = selectedValues(element);
  const [on, off] = element.type === 'checkboxes' ? ['[x]', '[ ]'] : ['(•)', '( )'];
  return asArray(element.options)
    .filter(isObj)
    .map((o) => `${picked.has(String(o.value)) ? on : off} ${textObject(o.text, names)}`);
}

/** Inline elements on one line, option lists on their own lines, in the order given. */
function elementLines(elements: unknown[], names?: NameLookup): string[] {
  const lines: string[] = [];
  let inline: string[] = [];
  const flush = () => {
    if (inline.length) lines.push(inline.join(' '));
    inline = [];
  };
  for (const element of elements.filter(isObj)) {
    if (hasOptionLines(element)) {
      flush();
      lines.push(...optionLines(element, names));
    } else {
      inline.push(inlineElement(element, names));
    }
  }
  flush();
  return lines;
}

/** Text of rich_text elements (what the Slack composer produces), flattened. */
function richTextLines(block: Obj, names?: NameLookup): string[] {
  const inlineText = (elements: unknown[]): string =>
    elements
      .filter(isObj)
      .map((e) => {
        switch (e.type) {
          case 'text':
            return String(e.text ?? '');
          case 'link':
            return typeof e.text === 'string' && e.text ? `${e.text} (${String(e.url)})` : String(e.url ?? '');
          case 'user':
            return `@${names?.userName(String(e.user_id)) ?? String(e.user_id)}`;
          case 'channel':
            return `#${names?.channelName(String(e.channel_id)) ?? String(e.channel_id)}`;
          case 'emoji':
            return `:${String(e.name)}:`;
          case 'broadcast':
            return `@${String(e.range)}`;
          case 'usergroup':
            return `@${String(e.usergroup_id)}`;
          default:
            return '';
        }
      })
      .join('');
  const lines: string[] = [];
  for (const part of asArray(block.elements).filter(isObj)) {
    switch (part.type) {
      case 'rich_text_list':
        for (const item of asArray(part.elements).filter(isObj)) lines.push(`• ${inlineText(asArray(item.elements))}`);
        break;
      case 'rich_text_quote':
        lines.push(...inlineText(asArray(part.elements)).split('\n').map((l) => `> ${l}`));
        break;
      default:
        lines.push(...inlineText(asArray(part.elements)).split('\n'));
    }
  }
  return lines;
}

/** One block as lines of text; unknown block types render as nothing rather than failing. */
function blockLines(block: Obj, names?: NameLookup): string[] {
  switch (block.type) {
    case 'header':
      return [`━━ ${textObject(block.text, names)} ━━`];
    case 'section': {
      const lines = block.text === undefined ? [] : textObject(block.text, names).split('\n');
      // Fields are laid out in two columns by Slack; one per line reads better in a terminal.
      for (const field of asArray(block.fields)) lines.push(textObject(field, names).replace(/\n+/g, ' '));
      if (isObj(block.accessory)) {
        if (hasOptionLines(block.accessory)) lines.push(...optionLines(block.accessory, names));
        else if (lines.length) lines[lines.length - 1] += `  ${inlineElement(block.accessory, names)}`;
        else lines.push(inlineElement(block.accessory, names));
      }
      return lines;
    }
    case 'context': {
      const parts = asArray(block.elements)
        .filter(isObj)
        .map((e) => (e.type === 'image' ? `🖼 ${String(e.alt_text ?? '')}` : textObject(e, names)));
      return [parts.join(' · ')];
    }
    case 'actions':
      return elementLines(asArray(block.elements), names);
    case 'divider':
      return ['────────'];
    case 'image':
      return [`🖼 ${textObject(block.title, names) || String(block.alt_text ?? '')}`];
    case 'input': {
      const element = isObj(block.element) ? block.element : {};
      const label = textObject(block.label, names);
      if (hasOptionLines(element)) return [label, ...optionLines(element, names)];
      return [`${label}: ${inlineElement(element, names)}`];
    }
    case 'rich_text':
      return richTextLines(block, names);
    case 'markdown':
      return String(block.text ?? '').split('\n');
    case 'file':
      return [`📎 ${String(block.external_id ?? 'file')}`];
    case 'video':
      return [`▶ ${textObject(block.title, names)}`];
    default:
      return [];
  }
}

/** Block Kit blocks as the lines of text a reader would see, in order. */
export function blocksToLines(blocks: readonly unknown[], names?: NameLookup): string[] {
  return blocks.filter(isObj).flatMap((b) => blockLines(b, names));
}

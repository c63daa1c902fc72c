/**
 * Block Kit as Slack checks and stores it: the validator behind `invalid_blocks` (limits, types,
 * required fields, json-pointer messages), the checks of a modal view, and the changes Slack makes
 * to blocks it stores.
 */
import { charCount, isObj, type Obj } from './args.js';
import { slackGeneratedId } from './ids.js';

/** Where blocks live decides their limits: 50 in a message, 100 in a modal. */
export type Surface = 'message' | 'modal';

const BLOCK_TYPES: Record<Surface, ReadonlySet<string>> = {
  message: new Set(['section', 'divider', 'header', 'context', 'actions', 'image', 'input', 'rich_text', 'file', 'video', 'markdown']),
  modal: new Set(['section', 'divider', 'header', 'context', 'actions', 'image', 'input', 'rich_text', 'video']),
};

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const ACTIONS_ELEMENTS = new Set(['button', 'checkboxes', 'datepicker', 'datetimepicker', 'overflow', 'radio_buttons', 'timepicker', 'workflow_button', 'rich_text_input', ...SELECTS]);
const ACCESSORY_ELEMENTS = new Set(['button', 'checkboxes', 'datepicker', 'image', 'overflow', 'radio_buttons', 'timepicker', 'workflow_button', ...SELECTS]);
const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'file_input',
  'checkboxes',
  'radio_buttons',
  'datepicker',
  'timepicker',
  'datetimepicker',
  ...SELECTS,
]);

/**
 * Checks blocks against Block Kit's documented limits and reports problems the way Slack does:
 * `<reason> [json-pointer:/blocks/3/text/text]`. Wording follows Slack's observed messages
 * ("must be less than 3001 characters", "no more than 50 items allowed", "unsupported type: x").
 */
class BlockKitValidator {
  readonly problems: string[] = [];

  constructor(private readonly surface: Surface) {}

  private fail(reason: string, pointer: string): void {
    this.problems.push(`${reason} [json-pointer:${pointer}]`);
  }

  private object(v: unknown, at: string): Obj | undefined {
    if (isObj(v)) return v;
    this.fail('must provide an object', at);
    return undefined;
  }

  /** A string of 1..max characters; returns it when valid. */
  private string(v: unknown, at: string, max: number): string | undefined {
    if (typeof v !== 'string') {
      this.fail('must provide a string', at);
      return undefined;
    }
    const n = charCount(v);
    if (n === 0) this.fail('must be more than 0 characters', at);
    else if (n > max) this.fail(`must be less than ${max + 1} characters`, at);
    else return v;
    return undefined;
  }

  private optionalString(parent: Obj, key: string, at: string, max: number): void {
    if (parent[key] !== undefined) this.string(parent[key], `${at}/${key}`, max);
  }

  /** A composition text object: `{ type: plain_text | mrkdwn, text }`. */
  private text(v: unknown, at: string, max: number, plainOnly = false): void {
    const t = this.object(v, at);
    if (!t) return;
    const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (t.type === undefined) this.fail('missing required field: type', at);
    else if (typeof t.type !== 'string' || !allowed.includes(t.type)) this.fail('must be a valid enum value', `${at}/type`);
    if (t.text === undefined) this.fail('missing required field: text', at);
    else this.string(t.text, `${at}/text`, max);
  }

  private requiredText(parent: Obj, key: string, at: string, max: number, plainOnly = false): void {
    if (parent[key] === undefined) this.fail(`missing required field: ${key}`, at);
    else this.text(parent[key], `${at}/${key}`, max, plainOnly);
  }

  private optionalText(parent: Obj, key: string, at: string, max: number, plainOnly = false): void {
    if (parent[key] !== undefined) this.text(parent[key], `${at}/${key}`, max, plainOnly);
  }

  /** An array of 1..max items; returns it (even when too long, so items are still checked). */
  private array(v: unknown, at: string, max: number): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.fail('must provide an array', at);
      return undefined;
    }
    if (v.length === 0) this.fail('must provide at least 1 item', at);
    if (v.length > max) this.fail(`no more than ${max} items allowed`, at);
    return v;
  }

  blocks(v: unknown, at: string): void {
    const max = this.surface === 'message' ? 50 : 100;
    if (!Array.isArray(v)) return this.fail('must provide an array', at);
    if (v.length > max) this.fail(`no more than ${max} items allowed`, at);
    const blockIds = new Set<string>();
    v.forEach((b, i) => this.block(b, `${at}/${i}`, blockIds));
  }

  private block(v: unknown, at: string, blockIds: Set<string>): void {
    const b = this.object(v, at);
    if (!b) return;
    if (b.type === undefined) return this.fail('missing required field: type', at);
    if (typeof b.type !== 'string' || !BLOCK_TYPES[this.surface].has(b.type)) {
      return this.fail(`unsupported type: ${String(b.type)}`, `${at}/type`);
    }
    if (b.block_id !== undefined) {
      const id = this.string(b.block_id, `${at}/block_id`, 255);
      if (id !== undefined) {
        // block_id identifies where an action came from, so Slack refuses two alike in one surface.
        if (blockIds.has(id)) this.fail(`\`block_id\` "${id}" already exists`, `${at}/block_id`);
        blockIds.add(id);
      }
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'section':
        this.section(b, at, actionIds);
        break;
      case 'header':
        this.requiredText(b, 'text', at, 150, true);
        break;
      case 'context': {
        const elements = this.array(b.elements, `${at}/elements`, 10);
        elements?.forEach((e, i) => {
          const where = `${at}/elements/${i}`;
          if (isObj(e) && e.type === 'image') this.imageElement(e, where);
          else this.text(e, where, 3000);
        });
        break;
      }
      case 'actions': {
        const elements = this.array(b.elements, `${at}/elements`, 25);
        elements?.forEach((e, i) => this.element(e, `${at}/elements/${i}`, ACTIONS_ELEMENTS, actionIds));
        break;
      }
      case 'divider':
        break;
      case 'image':
        this.imageElement(b, at);
        this.optionalText(b, 'title', at, 2000, true);
        break;
      case 'input':
        this.requiredText(b, 'label', at, 2000, true);
        this.optionalText(b, 'hint', at, 2000, true);
        if (b.element === undefined) this.fail('missing required field: element', at);
        else this.element(b.element, `${at}/element`, INPUT_ELEMENTS, actionIds);
        break;
      case 'rich_text':
        if (!Array.isArray(b.elements)) this.fail('must provide an array', `${at}/elements`);
        break;
      case 'file':
        if (b.external_id === undefined) this.fail('missing required field: external_id', at);
        if (b.source === undefined) this.fail('missing required field: source', at);
        break;
      case 'video':
        for (const key of ['alt_text', 'video_url', 'thumbnail_url']) {
          if (b[key] === undefined) this.fail(`missing required field: ${key}`, at);
        }
        this.requiredText(b, 'title', at, 200, true);
        break;
      case 'markdown':
        if (b.text === undefined) this.fail('missing required field: text', at);
        else this.string(b.text, `${at}/text`, 12000);
        break;
    }
  }

  private section(b: Obj, at: string, actionIds: Set<string>): void {
    if (b.text === undefined && b.fields === undefined) this.fail('must define either `text` or `fields`', `${at}/type`);
    this.optionalText(b, 'text', at, 3000);
    if (b.fields !== undefined) {
      const fields = this.array(b.fields, `${at}/fields`, 10);
      fields?.forEach((f, i) => this.text(f, `${at}/fields/${i}`, 2000));
    }
    if (b.accessory !== undefined) this.element(b.accessory, `${at}/accessory`, ACCESSORY_ELEMENTS, actionIds);
  }

  private imageElement(e: Obj, at: string): void {
    if (e.image_url === undefined && e.slack_file === undefined) this.fail('must define either `image_url` or `slack_file`', at);
    this.optionalString(e, 'image_url', at, 3000);
    if (e.alt_text === undefined) this.fail('missing required field: alt_text', at);
    else this.string(e.alt_text, `${at}/alt_text`, 2000);
  }

  private element(v: unknown, at: string, allowed: ReadonlySet<string>, actionIds: Set<string>): void {
    const e = this.object(v, at);
    if (!e) return;
    if (e.type === undefined) return this.fail('missing required field: type', at);
    if (typeof e.type !== 'string' || !allowed.has(e.type)) return this.fail(`unsupported type: ${String(e.type)}`, `${at}/type`);
    if (e.action_id !== undefined) {
      const id = this.string(e.action_id, `${at}/action_id`, 255);
      if (id !== undefined) {
        if (actionIds.has(id)) this.fail(`\`action_id\` "${id}" already exists`, `${at}/action_id`);
        actionIds.add(id);
      }
    }
    switch (e.type) {
      case 'button':
        this.requiredText(e, 'text', at, 75, true);
        this.optionalString(e, 'value', at, 2000);
        this.optionalString(e, 'url', at, 3000);
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') this.fail('must be a valid enum value', `${at}/style`);
        break;
      case 'checkboxes':
        this.options(e, at, 10, true);
        break;
      case 'radio_buttons':
        this.options(e, at, 10, true);
        break;
      case 'overflow':
        this.options(e, at, 5, false);
        break;
      case 'static_select':
      case 'multi_static_select':
        this.optionalText(e, 'placeholder', at, 150, true);
        if (e.options === undefined && e.option_groups === undefined) this.fail('must define either `options` or `option_groups`', at);
        if (e.options !== undefined) this.options(e, at, 100, false);
        if (e.option_groups !== undefined) {
          const groups = this.array(e.option_groups, `${at}/option_groups`, 100);
          groups?.forEach((g, i) => {
            const group = this.object(g, `${at}/option_groups/${i}`);
            if (group) {
              this.requiredText(group, 'label', `${at}/option_groups/${i}`, 75, true);
              this.options(group, `${at}/option_groups/${i}`, 100, false);
            }
          });
        }
        break;
      case 'image':
        this.imageElement(e, at);
        break;
      default:
        this.optionalText(e, 'placeholder', at, 150, true);
    }
  }

  /** `options` of an element: at most `max`, each `{ text <= 75, value <= 150 }`. */
  private options(e: Obj, at: string, max: number, allowMrkdwn: boolean): void {
    if (e.options === undefined) return this.fail('missing required field: options', at);
    const options = this.array(e.options, `${at}/options`, max);
    options?.forEach((o, i) => {
      const where = `${at}/options/${i}`;
      const option = this.object(o, where);
      if (!option) return;
      this.requiredText(option, 'text', where, 75, !allowMrkdwn);
      if (option.value === undefined) this.fail('missing required field: value', where);
      else this.string(option.value, `${where}/value`, 150);
      this.optionalText(option, 'description', where, 75, !allowMrkdwn);
    });
  }
}

/** The problems with `blocks` on a surface, each as `<reason> [json-pointer:<at>/...]`; none when valid. */
export function blockProblems(blocks: unknown, surface: Surface, at: string): string[] {
  const v = new BlockKitValidator(surface);
  v.blocks(blocks, at);
  return v.problems;
}

/** The fields Slack sends with `invalid_blocks`: the problems, and again as `[ERROR]` messages. */
export function invalidBlocksDetail(problems: string[]): Obj {
  return { errors: problems, response_metadata: { messages: problems.map((m) => `[ERROR] ${m}`) } };
}

/** A modal view: the view's own fields, then its blocks under `/view/blocks`. */
export function viewProblems(view: Obj): string[] {
  const problems: string[] = [];
  const fail = (reason: string, pointer: string) => problems.push(`${reason} [json-pointer:${pointer}]`);
  if (view.type === undefined) fail('missing required field: type', '/view');
  else if (view.type !== 'modal') fail(`unsupported type: ${String(view.type)}`, '/view/type');
  const shortText = (key: string, required: boolean) => {
    const t = view[key];
    if (t === undefined) {
      if (required) fail(`missing required field: ${key}`, '/view');
      return;
    }
    if (!isObj(t) || t.type !== 'plain_text') return fail('must be a plain_text object', `/view/${key}`);
    if (typeof t.text !== 'string' || t.text.length === 0) return fail('must be more than 0 characters', `/view/${key}/text`);
    if (charCount(t.text) > 24) fail('must be less than 25 characters', `/view/${key}/text`);
  };
  shortText('title', true);
  shortText('submit', false);
  shortText('close', false);
  const limits: [string, number][] = [
    ['callback_id', 255],
    ['external_id', 255],
    ['private_metadata', 3000],
  ];
  for (const [key, max] of limits) {
    const v = view[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') fail('must provide a string', `/view/${key}`);
    else if (charCount(v) > max) fail(`must be less than ${max + 1} characters`, `/view/${key}`);
  }
  if (view.blocks === undefined) fail('missing required field: blocks', '/view');
  else problems.push(...blockProblems(view.blocks, 'modal', '/view/blocks'));
  if (Array.isArray(view.blocks) && view.submit === undefined) {
    view.blocks.forEach((b, i) => {
      if (isObj(b) && b.type === 'input') fail('must define `submit` to use an `input` block in modals', `/view/blocks/${i}/input`);
    });
  }
  return problems;
}

/**
 * What Slack stores differs slightly from what was sent: blocks without a block_id get a generated
 * one, elements without an action_id too, and plain_text objects gain `emoji: true`. Beacon sees
 * these in history and in action payloads, so the simulator makes the same changes.
 */
export function normalizeBlocks(blocks: unknown[]): Obj[] {
  const addEmoji = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(addEmoji);
    if (!isObj(v)) return v;
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) out[k] = addEmoji(val);
    if (out.type === 'plain_text' && out.emoji === undefined) out.emoji = true;
    return out;
  };
  const withActionId = (e: unknown): unknown =>
    isObj(e) && e.type !== 'image' && e.action_id === undefined ? { ...e, action_id: slackGeneratedId() } : e;
  return blocks.filter(isObj).map((raw) => {
    const b = addEmoji(raw) as Obj;
    if (b.block_id === undefined) b.block_id = slackGeneratedId();
    if (b.type === 'actions' && Array.isArray(b.elements)) b.elements = b.elements.map(withActionId);
    if (b.type === 'section' && b.accessory !== undefined) b.accessory = withActionId(b.accessory);
    if (b.type === 'input' && b.element !== undefined) b.element = withActionId(b.element);
    return b;
  });
}

/** Where an interactive element sits in a message, found by action_id (and block_id when given). */
export function findElement(blocks: Obj[] | undefined, actionId: string, blockId?: string): { block: Obj; element: Obj } | undefined {
  for (const block of blocks ?? []) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory, block.element];
    for (const element of candidates) {
      if (isObj(element) && element.action_id === actionId) return { block, element };
    }
  }
  return undefined;
}

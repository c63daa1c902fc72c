/**
 * Modals: the view Beacon opened with `views.open` (the simulator keeps it), shown to the person
 * it was opened for, and what its submission sends back: `view.state.values` as Slack builds them
 * from the view's own input blocks (every input block, its element's type, the options picked
 * as the view lists them).
 */
import { html, type Html } from '../../web/html.js';
import type { NameLookup } from '../mrkdwn-text.js';
import type { SimView, SlackSimulator } from '../slack-simulator.js';
import { renderBlocks } from './blocks.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const textOf = (v: unknown): string => (isObj(v) && typeof v.text === 'string' ? v.text : '');

/** What the page sent for a modal: per block, per action, the text, the value picked, or those picked. */
export type RawValues = Record<string, Record<string, string | string[] | null>>;

/** Which views the page has closed (submitted or cancelled), and the errors Beacon gave back. */
export class Modals {
  private readonly closed = new Set<string>();
  private readonly errors = new Map<string, Record<string, string>>();

  /** The newest view opened for `userId` that is still open. */
  openFor(sim: SlackSimulator, userId: string): SimView | undefined {
    return sim
      .openedViews()
      .filter((v) => v.userId === userId && !this.closed.has(v.id))
      .at(-1);
  }

  close(viewId: string): void {
    this.closed.add(viewId);
    this.errors.delete(viewId);
  }

  setErrors(viewId: string, errors: Record<string, string>): void {
    this.errors.set(viewId, errors);
  }

  render(view: SimView | undefined, names: NameLookup): Html {
    if (!view) return html``;
    const v = view.view;
    const errors = this.errors.get(view.id) ?? {};
    const submit = textOf(v.submit);
    return html`<div class="modal-backdrop"><form class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" data-view-id="${view.id}" novalidate><header class="modal-head"><h2 id="modal-title">${textOf(
      v.title,
    )}</h2></header><div class="modal-body">${renderBlocks(list(v.blocks), { names, interactive: true, errors })}</div><footer class="modal-foot"><button type="button" class="btn" data-modal-close>${
      textOf(v.close) || 'Cancel'
    }</button>${submit ? html`<button type="submit" class="btn btn-primary">${submit}</button>` : ''}</footer></form></div>`;
  }
}

/** An option of the element whose value is `value`, as the view lists it (groups included). */
function optionOf(element: Obj, value: string): Obj | undefined {
  const options = [...list(element.options), ...list(element.option_groups).flatMap((g) => list(g.options))];
  const found = options.find((o) => o.value === value);
  return found && structuredClone(found);
}

/** `view.state.values` for a submission: one entry per input block of the view. */
export function stateValues(view: SimView, raw: RawValues): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const block of list(view.view.blocks)) {
    if (block.type !== 'input' || typeof block.block_id !== 'string' || !isObj(block.element)) continue;
    const element = block.element;
    const action = typeof element.action_id === 'string' ? element.action_id : '';
    const given = raw[block.block_id]?.[action] ?? null;
    const type = String(element.type);
    const one = Array.isArray(given) ? given[0] : given;
    const many = Array.isArray(given) ? given : given === null || given === '' ? [] : [given];
    let state: Obj;
    if (type === 'plain_text_input') state = { type, value: one === undefined || one === '' ? null : one };
    else if (type === 'static_select' || type === 'radio_buttons') state = { type, selected_option: (one && optionOf(element, one)) || null };
    else if (type === 'checkboxes' || type === 'multi_static_select') state = { type, selected_options: many.map((v) => optionOf(element, v)).filter(isObj) };
    else state = { type, value: one ?? null };
    out[block.block_id] = { [action]: state };
  }
  return out;
}

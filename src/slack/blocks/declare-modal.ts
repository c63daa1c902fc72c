import type { types } from '@slack/bolt';
import { SEVERITIES, type Severity } from '../../domain.js';
import { SEVERITY_LABEL } from '../../words.js';
import { VIEWS } from './ids.js';
import { plain } from './types.js';

/** Block and action ids of the declare form, shared by the renderer and the submission reader. */
export const DECLARE_INPUTS = {
  title: { block: 'declare_title', action: 'title' },
  severity: { block: 'declare_severity', action: 'severity' },
  service: { block: 'declare_service', action: 'service' },
  description: { block: 'declare_description', action: 'description' },
  private: { block: 'declare_private', action: 'private' },
} as const;

/** The value of the form's one private checkbox. */
const PRIVATE_VALUE = 'private';

export const TITLE_MAX = 150;

/** What the modal carries back: the command's trigger (the incident id derives from it) and channel. */
export interface DeclareMeta {
  trigger: string;
  channel?: string;
}

/** The `/incident declare` form: title, severity, service, description, and whether it is private. */
export function renderDeclareModal(meta: DeclareMeta, initial: { severity?: Severity; private?: boolean } = {}): types.ModalView {
  const privateOption = {
    text: plain('Private incident'),
    description: plain('A private channel: only you are invited.'),
    value: PRIVATE_VALUE,
  };
  const options = SEVERITIES.map((s) => ({ text: plain(SEVERITY_LABEL[s]), value: s }));
  const sev = initial.severity ?? 'sev3';
  return {
    type: 'modal',
    callback_id: VIEWS.declare,
    private_metadata: JSON.stringify(meta),
    title: plain('Declare an incident'),
    submit: plain('Declare'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: DECLARE_INPUTS.title.block,
        label: plain('Title'),
        element: {
          type: 'plain_text_input',
          action_id: DECLARE_INPUTS.title.action,
          max_length: TITLE_MAX,
          placeholder: plain('Checkout cannot take payments'),
        },
      },
      {
        type: 'input',
        block_id: DECLARE_INPUTS.severity.block,
        label: plain('Severity'),
        element: {
          type: 'static_select',
          action_id: DECLARE_INPUTS.severity.action,
          options,
          initial_option: options.find((o) => o.value === sev),
        },
      },
      {
        type: 'input',
        block_id: DECLARE_INPUTS.service.block,
        optional: true,
        label: plain('Service'),
        element: { type: 'plain_text_input', action_id: DECLARE_INPUTS.service.action, max_length: 100, placeholder: plain('checkout') },
      },
      {
        type: 'input',
        block_id: DECLARE_INPUTS.description.block,
        optional: true,
        label: plain('What is happening?'),
        element: { type: 'plain_text_input', action_id: DECLARE_INPUTS.description.action, multiline: true, max_length: 2000 },
      },
      {
        type: 'input',
        block_id: DECLARE_INPUTS.private.block,
        optional: true,
        label: plain('Who sees it'),
        element: {
          type: 'checkboxes',
          action_id: DECLARE_INPUTS.private.action,
          options: [privateOption],
          ...(initial.private ? { initial_options: [privateOption] } : {}),
        },
      },
    ],
  };
}

export interface DeclareForm {
  title: string;
  severity: Severity;
  service?: string;
  description?: string;
  private?: true;
}

type Values = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value?: string } | null; selected_options?: { value?: string }[] | null } | undefined> | undefined
>;

/** Reads a submitted declare form; problems come back per block, as `response_action: errors` wants them. */
export function readDeclareForm(values: Values): { ok: true; value: DeclareForm } | { ok: false; errors: Record<string, string> } {
  const text = (k: keyof typeof DECLARE_INPUTS) => (values[DECLARE_INPUTS[k].block]?.[DECLARE_INPUTS[k].action]?.value ?? '').trim();
  const title = text('title').replace(/\s+/g, ' ');
  const sevRaw = values[DECLARE_INPUTS.severity.block]?.[DECLARE_INPUTS.severity.action]?.selected_option?.value ?? 'sev3';
  const errors: Record<string, string> = {};
  if (!title) errors[DECLARE_INPUTS.title.block] = 'Give the incident a title.';
  else if (title.length > TITLE_MAX) errors[DECLARE_INPUTS.title.block] = `At most ${TITLE_MAX} characters.`;
  if (!(SEVERITIES as readonly string[]).includes(sevRaw)) errors[DECLARE_INPUTS.severity.block] = 'Pick a severity from SEV1 to SEV4.';
  if (Object.keys(errors).length) return { ok: false, errors };
  const service = text('service');
  const description = text('description');
  const picked = values[DECLARE_INPUTS.private.block]?.[DECLARE_INPUTS.private.action]?.selected_options ?? [];
  const isPrivate = picked.some((o) => o.value === PRIVATE_VALUE);
  return {
    ok: true,
    value: { title, severity: sevRaw as Severity, ...(service ? { service } : {}), ...(description ? { description } : {}), ...(isPrivate ? { private: true as const } : {}) },
  };
}

/** Reads the modal's private metadata; a view Beacon did not open this way gives null. */
export function readDeclareMeta(raw: string | undefined): DeclareMeta | null {
  if (!raw) return null;
  try {
    const m = JSON.parse(raw) as Partial<DeclareMeta>;
    if (typeof m.trigger !== 'string' || !m.trigger) return null;
    return { trigger: m.trigger, ...(typeof m.channel === 'string' ? { channel: m.channel } : {}) };
  } catch {
    return null;
  }
}

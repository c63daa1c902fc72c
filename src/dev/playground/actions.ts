/**
 * What the page sends, validated with zod, and sent into Beacon through the simulator exactly as
 * Slack would send it: a typed `/incident …` as a signed slash command, a click as a signed
 * `block_actions` payload built from the message as it is, a modal's submit as `view_submission`,
 * a reaction as the `reaction_added` event. A plain message is written to the channel (Beacon
 * does not subscribe to messages, so Slack would not tell it either).
 */
import { z } from 'zod';
import type { Delivery, SlackSimulator } from '../slack-simulator.js';
import { stateValues, type Modals } from './modal.js';
import { runScenario, SCENARIOS } from './scenarios.js';
import { PEOPLE, type RunningBeacon } from './start.js';
import { asTyped } from './typed.js';

const person = z.enum(PEOPLE);
const channel = z.string().regex(/^[CG][A-Z0-9]{4,20}$/, 'a channel id');
const ts = z.string().regex(/^\d{1,12}\.\d{1,6}$/, 'a message ts');
const id = z.string().min(1).max(255);
const optionValue = z.string().max(2000);

export const SCHEMAS = {
  send: z.object({ user: person, channel, text: z.string().trim().min(1).max(4000), threadTs: ts.optional() }).strict(),
  action: z
    .object({
      user: person,
      channel,
      ts,
      actionId: id,
      blockId: id.optional(),
      type: z.enum(['button', 'static_select', 'multi_static_select', 'overflow', 'checkboxes', 'radio_buttons']),
      value: optionValue.optional(),
      selectedOption: z.object({ value: optionValue }).strict().optional(),
      selectedOptions: z.array(z.object({ value: optionValue }).strict()).max(100).optional(),
    })
    .strict(),
  view: z
    .object({
      user: person,
      viewId: z.string().regex(/^V[A-Z0-9]{4,20}$/),
      values: z.record(id, z.record(id, z.union([z.string().max(3000), z.array(optionValue).max(100), z.null()]))),
    })
    .strict(),
  viewClose: z.object({ user: person, viewId: z.string().regex(/^V[A-Z0-9]{4,20}$/) }).strict(),
  react: z.object({ user: person, channel, ts, reaction: z.enum(['pushpin', 'eyes', 'white_check_mark']) }).strict(),
  scenario: z.object({ user: person, channel, name: z.enum(SCENARIOS) }).strict(),
} as const;

export type ActionName = keyof typeof SCHEMAS;

/** What a POST answers: JSON, with the HTTP status. */
export interface Answer {
  status: number;
  body: { ok: boolean; note?: string; error?: string; issues?: string[]; closed?: boolean };
}

export interface ActionDeps {
  beacon: RunningBeacon;
  modals: Modals;
  /** Tells the page something changed that the simulator does not see (a modal closed). */
  changed(): void;
}

const fromDelivery = (what: string, d: Delivery): Answer =>
  d.status === 200 ? { status: 200, body: { ok: true, note: `${what} → HTTP 200` } } : { status: 502, body: { ok: false, error: `${what}: Beacon answered HTTP ${d.status} ${d.body.slice(0, 200)}` } };

/** Parses `input` with the action's schema and runs it; a bad input is a 400 naming the fields. */
export async function runAction(name: ActionName, input: unknown, deps: ActionDeps): Promise<Answer> {
  const parsed = SCHEMAS[name].safeParse(input);
  if (!parsed.success) {
    return { status: 400, body: { ok: false, error: 'invalid request', issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) } };
  }
  const sim = deps.beacon.sim;
  const data = parsed.data as never;
  switch (name) {
    case 'send':
      return send(sim, data);
    case 'action':
      return action(sim, data);
    case 'view':
      return submitView(deps, data);
    case 'viewClose': {
      const { viewId } = data as z.infer<typeof SCHEMAS.viewClose>;
      deps.modals.close(viewId);
      deps.changed();
      return { status: 200, body: { ok: true, closed: true } };
    }
    case 'react':
      return react(sim, data);
    case 'scenario': {
      const s = data as z.infer<typeof SCHEMAS.scenario>;
      const res = await runScenario(deps.beacon, s.name, { userId: s.user, channelId: s.channel });
      return { status: res.ok ? 200 : 502, body: res.ok ? { ok: true, note: res.note } : { ok: false, error: res.note } };
    }
  }
}

function knownChannel(sim: SlackSimulator, channelId: string): Answer | undefined {
  return sim.channel(channelId) ? undefined : { status: 404, body: { ok: false, error: 'no such channel' } };
}

async function send(sim: SlackSimulator, p: z.infer<typeof SCHEMAS.send>): Promise<Answer> {
  const missing = knownChannel(sim, p.channel);
  if (missing) return missing;
  const typed = (t: string) => asTyped(t, sim.users(), sim.channels());
  const command = /^\/(\S+)\s*([\s\S]*)$/.exec(p.text);
  if (command) {
    if (command[1] !== 'incident') return { status: 400, body: { ok: false, error: `/${command[1]} is not a command here: only /incident is installed` } };
    const text = command[2] ?? '';
    return fromDelivery(`/incident ${text}`.trim(), await sim.slashCommand({ text: typed(text), channelId: p.channel, userId: p.user }));
  }
  sim.userMessage({ userId: p.user, channelId: p.channel, text: typed(p.text), ...(p.threadTs ? { threadTs: p.threadTs } : {}) });
  return { status: 200, body: { ok: true } };
}

async function action(sim: SlackSimulator, p: z.infer<typeof SCHEMAS.action>): Promise<Answer> {
  const missing = knownChannel(sim, p.channel);
  if (missing) return missing;
  if (!sim.messages(p.channel).some((m) => m.ts === p.ts)) return { status: 404, body: { ok: false, error: 'that message is gone' } };
  const delivery = await sim.blockAction({
    userId: p.user,
    channelId: p.channel,
    messageTs: p.ts,
    actionId: p.actionId,
    type: p.type,
    ...(p.blockId ? { blockId: p.blockId } : {}),
    ...(p.value !== undefined ? { value: p.value } : {}),
    ...(p.selectedOption ? { selectedOption: p.selectedOption } : {}),
    ...(p.selectedOptions ? { selectedOptions: p.selectedOptions } : {}),
  });
  return fromDelivery(`${p.type} ${p.actionId}`, delivery);
}

/** A modal's submit: Beacon's `response_action: errors` keep it open with them; anything else closes it. */
async function submitView(deps: ActionDeps, p: z.infer<typeof SCHEMAS.view>): Promise<Answer> {
  const sim = deps.beacon.sim;
  const view = sim.openedViews().find((v) => v.id === p.viewId && v.userId === p.user);
  if (!view || typeof view.view.callback_id !== 'string') return { status: 404, body: { ok: false, error: 'that form is not open' } };
  const delivery = await sim.viewSubmission({ userId: p.user, callbackId: view.view.callback_id, values: stateValues(view, p.values) });
  if (delivery.status !== 200) return fromDelivery('view_submission', delivery);
  const errors = responseErrors(delivery.body);
  if (errors) deps.modals.setErrors(view.id, errors);
  else deps.modals.close(view.id);
  deps.changed();
  return { status: 200, body: { ok: true, closed: !errors, ...(errors ? { note: 'Beacon sent the form back with errors' } : {}) } };
}

function responseErrors(body: string): Record<string, string> | undefined {
  try {
    const parsed = JSON.parse(body) as { response_action?: string; errors?: Record<string, unknown> };
    if (parsed.response_action !== 'errors' || !parsed.errors) return undefined;
    return Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [k, String(v)]));
  } catch {
    return undefined;
  }
}

async function react(sim: SlackSimulator, p: z.infer<typeof SCHEMAS.react>): Promise<Answer> {
  const missing = knownChannel(sim, p.channel);
  if (missing) return missing;
  if (!sim.messages(p.channel).some((m) => m.ts === p.ts)) return { status: 404, body: { ok: false, error: 'that message is gone' } };
  const delivery = await sim.reactionAdded({ userId: p.user, channelId: p.channel, messageTs: p.ts, reaction: p.reaction });
  return fromDelivery(`:${p.reaction}:`, delivery);
}

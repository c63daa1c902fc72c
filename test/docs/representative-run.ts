import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import { createLogger } from '../../src/log.js';
import { createChat } from '../../src/slack/chat.js';
import { createSlackGateway } from '../../src/slack/gateway.js';
import { BOT_TOKEN, SIGNING_SECRET, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, CAROL, command, doc, general, opened } from '../e2e/lifecycle-helpers.js';

/**
 * What the docs tests share: Slack's published specs (read here as data from the shared copy,
 * never copied into the repo), the manifest, and one run of everything Beacon does in Slack.
 */
export const SPECS = '/work/shared/slack-specs';

export interface Manifest {
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  features: { slash_commands?: unknown[] };
  settings: { event_subscriptions?: { bot_events?: string[] } };
}
export const manifest = parse(readFileSync('manifest.yml', 'utf8')) as Manifest;
export const granted = manifest.oauth_config.scopes.bot;

export interface MethodPage {
  args?: Record<string, { required?: boolean; desc?: string; type?: string }>;
  scopes?: { bot?: { name: string }[] };
  rate_limit?: { label?: string };
}

/** A method's reference page (docs.slack.dev, as scraped into the shared specs), if there is one. */
export function methodPage(method: string): MethodPage | undefined {
  try {
    return JSON.parse(readFileSync(`${SPECS}/docs-methods/${method}.json`, 'utf8')) as MethodPage;
  } catch {
    return undefined;
  }
}

/** A method's bot scopes, any one of which allows it, from its reference page. */
export function pageScopes(method: string): string[] {
  return (methodPage(method)?.scopes?.bot ?? []).map((s) => s.name);
}

const TYPE_PREFIX = { public: 'channels:', private: 'groups:' } as const;

/**
 * Each set of scopes of which the call needs one: per conversation type, as Slack names them.
 * `sim` is the simulator that saw the call, or what a recording says of its channels.
 */
export function scopesNeeded(c: RecordedCall, sim: Pick<SlackSimulator, 'channel'> | { privateChannels: Record<string, boolean> }): string[][] {
  const all = pageScopes(c.method);
  if (all.length === 0) return [];
  const forType = (t: 'public' | 'private') => {
    const typed = all.filter((s) => s.startsWith(TYPE_PREFIX[t]));
    return typed.length ? typed : all.filter((s) => !/^(channels|groups|im|mpim):/.test(s));
  };
  if (c.method === 'conversations.list') {
    const types = String(c.params.types ?? 'public_channel').split(',');
    return types.map((t) => forType(t.trim() === 'private_channel' ? 'private' : 'public'));
  }
  if (c.method === 'conversations.create') return [forType(/^(true|1)$/.test(String(c.params.is_private)) ? 'private' : 'public')];
  const id = (c.params.channel ?? c.params.channel_id) as string | undefined;
  const isPrivate = !id ? undefined : 'privateChannels' in sim ? sim.privateChannels[id] : sim.channel(id)?.is_private;
  if (isPrivate !== undefined) return [forType(isPrivate ? 'private' : 'public')];
  return [all.filter((s) => !/^(channels|groups|im|mpim):/.test(s))];
}

/**
 * One incident through everything Beacon does in Slack, then a private one: the card's buttons
 * and severity, commands, roles, a pin to the timeline, checklist ticks and unticks, a summary,
 * the postmortem; the declare form; a private incident, listed and resolved.
 */
export async function representativeRun(b: TestBeacon): Promise<void> {
  expect((await b.post('/webhooks/generic', checkoutAlert({ title: 'Manifest: checkout failing', fingerprint: 'manifest', group: 'manifest', severity: 'sev2' }))).status).toBe(202);
  const o = await opened(b, /manifest-checkout-failing$/);
  const entries = () => timelineEvents(b.redis, keysOf(b), o.incidentId);
  const has = async (kind: string) => (await entries()).some((e) => e.kind === kind);
  const step = async (user: string, text: string, kind: string) => {
    await command(b, o.channelId, user, text);
    await waitFor(() => has(kind), { what: kind });
  };
  await b.sim.blockAction({ userId: ALICE, channelId: o.channelId, messageTs: o.cardTs, actionId: 'incident.acknowledge' });
  await waitFor(() => has('acknowledged'), { what: 'acknowledged by the button' });
  await step(ALICE, 'note Checking the gateway', 'note');
  await step(ALICE, 'update Failing over', 'update');
  await step(ALICE, 'sev 1', 'severity');
  await step(ALICE, 'role comms <@U0000003|carol>', 'role');
  await tickTwice(b, o.channelId, o.incidentId, has);
  const msg = b.sim.userMessage({ userId: BOB, channelId: o.channelId, text: 'Gateway answers 401' });
  await b.sim.reactionAdded({ userId: ALICE, channelId: o.channelId, messageTs: msg.ts, reaction: 'pushpin' });
  await waitFor(() => has('pinned'), { what: 'pinned' });
  await command(b, o.channelId, ALICE, 'summary');
  await waitFor(() => b.sim.messages(o.channelId).some((m) => m.text.startsWith('Summary of incident')), { what: 'summary' });
  await step(ALICE, 'resolve Key restored', 'resolved');
  await waitFor(() => b.sim.messages(o.channelId).some((m) => (m.files ?? []).length > 0), { what: 'postmortem', timeout: 30_000 });

  await declareByForm(b);

  await command(b, general(b), CAROL, 'declare --private Manifest: a private one sev2');
  const p = await opened(b, /manifest-a-private-one$/);
  await command(b, general(b), CAROL, 'list');
  await command(b, p.channelId, CAROL, 'resolve');
  await waitFor(async () => (await doc(b, p.incidentId)).status === 'resolved', { what: 'private resolved' });
  await waitFor(() => b.sim.messages(p.channelId).some((m) => (m.files ?? []).length > 0), { what: 'private postmortem', timeout: 30_000 });
}

/** Ticks a checklist step, then unticks it, as Slack sends the clicks (the block as the message shows it now). */
async function tickTwice(b: TestBeacon, channelId: string, incidentId: string, has: (kind: string) => Promise<boolean>): Promise<void> {
  const ts = await waitFor(async () => (await doc(b, incidentId)).slack.messages.checklist, { what: 'checklist' });
  const click = async (selected: string[]) => {
    const m = b.sim.messages(channelId).find((x) => x.ts === ts)!;
    const block = (m.blocks ?? []).find((x) => String(x.block_id).startsWith('checklist:') && String(x.block_id).split(':')[2] === '0')!;
    const runbook = String(block.block_id).split(':')[1];
    await b.sim.blockAction({ userId: ALICE, channelId, messageTs: ts, actionId: 'checklist.toggle', blockId: String(block.block_id), type: 'checkboxes', selectedOptions: selected.map((s) => ({ value: `${runbook}:${s}` })) });
  };
  await click(['s1']);
  await waitFor(() => has('checklist.tick'), { what: 'tick' });
  await click([]);
  await waitFor(() => has('checklist.untick'), { what: 'untick' });
  // Both updates of the message reached Slack.
  await waitFor(() => b.sim.callsTo('chat.update').filter((c) => c.params.ts === ts && c.ok).length >= 2, { what: 'checklist updated twice' });
}

/** `/incident declare` without a title opens the form; its submission declares. */
async function declareByForm(b: TestBeacon): Promise<void> {
  await command(b, general(b), CAROL, 'declare');
  await waitFor(() => b.sim.openedViews().find((v) => v.userId === CAROL && v.view.callback_id === 'incident.declare'), { what: 'declare modal' });
  const values = {
    declare_title: { title: { type: 'plain_text_input', value: 'Manifest: search empty' } },
    declare_severity: { severity: { type: 'static_select', selected_option: { value: 'sev3' } } },
  };
  expect((await b.sim.viewSubmission({ userId: CAROL, callbackId: 'incident.declare', values })).status).toBe(200);
  await opened(b, /manifest-search-empty$/);
}

/**
 * A simulator granting `scopes`, a Beacon with an announce channel, the representative run, and
 * Beacon finding its own channels again as it does after a crash between creating one and
 * recording it. Shared by the manifest and conformance tests.
 */
export async function startRepresentative(scopes: ConstructorParameters<typeof SlackSimulator>[0]['scopes']): Promise<{ sim: SlackSimulator; b: TestBeacon }> {
  const sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, scopes });
  await sim.start();
  const announce = sim.addChannel({ name: 'incidents', members: [ALICE] }).id;
  const b = await startBeacon({ sim, env: { INCIDENT_ANNOUNCE_CHANNEL: announce, SUMMARY_INTERVAL_MINUTES: '0' } });
  await representativeRun(b);
  const chat = createChat(createSlackGateway({ token: BOT_TOKEN, apiUrl: sim.url, log: createLogger({ level: 'silent', secrets: [] }) }));
  for (const ch of sim.channels().filter((x) => x.creator === sim.botUserId)) expect(await chat.findOwnChannel(ch.name)).toBe(ch.id);
  return { sim, b };
}

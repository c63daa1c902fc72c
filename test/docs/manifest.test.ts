import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import { createLogger } from '../../src/log.js';
import { createChat } from '../../src/slack/chat.js';
import { createSlackGateway } from '../../src/slack/gateway.js';
import { BOT_TOKEN, SIGNING_SECRET, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, CAROL, command, doc, general, opened } from '../e2e/lifecycle-helpers.js';

/**
 * Issue 13, done when 2: the manifest's bot scopes are exactly the scopes Beacon needs. A full
 * incident runs against the simulator (public and private, announce channel, roles, a pin, a
 * summary, the postmortem, and the crash path that finds a channel again); each method the
 * simulator saw needs one of the bot scopes its Slack reference page lists (read here as data from
 * the shared copy of those pages), the one for the conversation's type (`channels:*` public,
 * `groups:*` private). Every call must be allowed by a manifest scope, and every manifest scope
 * must be the only one allowing some call (or be required by the slash command or an event).
 */
const SPECS = '/work/shared/slack-specs';

interface Manifest {
  oauth_config: { scopes: { bot: string[] } };
  features: { slash_commands?: unknown[] };
  settings: { event_subscriptions?: { bot_events?: string[] } };
}
const manifest = parse(readFileSync('manifest.yml', 'utf8')) as Manifest;
const granted = manifest.oauth_config.scopes.bot;

/** A method's bot scopes, any one of which allows it, from its reference page. */
function pageScopes(method: string): string[] {
  const page = JSON.parse(readFileSync(`${SPECS}/docs-methods/${method}.json`, 'utf8')) as { scopes?: { bot?: { name: string }[] } };
  return (page.scopes?.bot ?? []).map((s) => s.name);
}

/** The scopes Slack requires for an event subscription (`reaction_added` is `reaction.added`), from the Events API spec. */
function eventScopes(event: string): string[] {
  const spec = JSON.parse(readFileSync(`${SPECS}/slack_events_api_async_v1.json`, 'utf8')) as { topics: Record<string, { subscribe?: { 'x-scopes-required'?: string[] } }> };
  return spec.topics[event.replace(/_/g, '.')]?.subscribe?.['x-scopes-required'] ?? [];
}

const TYPE_PREFIX = { public: 'channels:', private: 'groups:' } as const;

/** Each set of scopes of which the call needs one: per conversation type, as Slack names them. */
function needed(c: RecordedCall, sim: SlackSimulator): string[][] {
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
  const ch = id ? sim.channel(id) : undefined;
  if (ch) return [forType(ch.is_private ? 'private' : 'public')];
  return [all.filter((s) => !/^(channels|groups|im|mpim):/.test(s))];
}

describe('the manifest asks for exactly the scopes Beacon uses', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, scopes: granted });
    await sim.start();
    const announce = sim.addChannel({ name: 'incidents', members: [ALICE] }).id;
    b = await startBeacon({ sim, env: { INCIDENT_ANNOUNCE_CHANNEL: announce, SUMMARY_INTERVAL_MINUTES: '0' } });
    await fullIncident(b);
    // After a crash between creating a channel and recording it, Beacon finds its channel again.
    const chat = createChat(createSlackGateway({ token: BOT_TOKEN, apiUrl: sim.url, log: createLogger({ level: 'silent', secrets: [] }) }));
    for (const ch of sim.channels().filter((x) => x.creator === sim.botUserId)) expect(await chat.findOwnChannel(ch.name)).toBe(ch.id);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  it('allows every call Beacon made', () => {
    expect(sim.calls.filter((c) => c.error === 'missing_scope').map((c) => `${c.method} ${JSON.stringify(c.params).slice(0, 80)}`)).toEqual([]);
    const refused = sim.calls.flatMap((c) => needed(c, sim).filter((anyOf) => !anyOf.some((s) => granted.includes(s))).map((anyOf) => `${c.method} needs one of ${anyOf.join(', ')}`));
    expect([...new Set(refused)]).toEqual([]);
  });

  it('asks for no scope nothing needs', () => {
    const byCommandsAndEvents = new Set([
      ...(manifest.features.slash_commands?.length ? ['commands'] : []),
      ...(manifest.settings.event_subscriptions?.bot_events ?? []).flatMap(eventScopes),
    ]);
    const soleProvider = new Set(
      sim.calls.flatMap((c) => needed(c, sim).flatMap((anyOf) => {
        const have = anyOf.filter((s) => granted.includes(s));
        return have.length === 1 ? have : [];
      })),
    );
    expect(granted.filter((s) => !byCommandsAndEvents.has(s) && !soleProvider.has(s))).toEqual([]);
    expect(new Set(granted).size).toBe(granted.length);
  });

  it('asks for the private-channel scopes because private incidents use them', () => {
    expect(granted).toEqual(expect.arrayContaining(['groups:write', 'groups:read', 'groups:history']));
  });
});

/** One incident through everything Beacon does in Slack, then a private one. */
async function fullIncident(b: TestBeacon): Promise<void> {
  expect((await b.post('/webhooks/generic', checkoutAlert({ title: 'Manifest: checkout failing', fingerprint: 'manifest', group: 'manifest', severity: 'sev2' }))).status).toBe(202);
  const o = await opened(b, /manifest-checkout-failing$/);
  const entries = () => timelineEvents(b.redis, keysOf(b), o.incidentId);
  const step = async (user: string, text: string, kind: string) => {
    await command(b, o.channelId, user, text);
    await waitFor(async () => (await entries()).some((e) => e.kind === kind), { what: kind });
  };
  await step(ALICE, 'ack', 'acknowledged');
  await step(ALICE, 'note Checking the gateway', 'note');
  await step(ALICE, 'update Failing over', 'update');
  await step(ALICE, 'sev 1', 'severity');
  await step(ALICE, 'role comms <@U0000003|carol>', 'role');
  const msg = b.sim.userMessage({ userId: BOB, channelId: o.channelId, text: 'Gateway answers 401' });
  await b.sim.reactionAdded({ userId: ALICE, channelId: o.channelId, messageTs: msg.ts, reaction: 'pushpin' });
  await waitFor(async () => (await entries()).some((e) => e.kind === 'pinned'), { what: 'pinned' });
  await command(b, o.channelId, ALICE, 'summary');
  await waitFor(() => b.sim.messages(o.channelId).some((m) => m.text.startsWith('Summary of incident')), { what: 'summary' });
  await step(ALICE, 'resolve Key restored', 'resolved');
  await waitFor(() => b.sim.messages(o.channelId).some((m) => (m.files ?? []).length > 0), { what: 'postmortem', timeout: 30_000 });

  await command(b, general(b), CAROL, 'declare --private Manifest: a private one sev2');
  const p = await opened(b, /manifest-a-private-one$/);
  await command(b, general(b), CAROL, 'list');
  await command(b, p.channelId, CAROL, 'resolve');
  await waitFor(async () => (await doc(b, p.incidentId)).status === 'resolved', { what: 'private resolved' });
  await waitFor(() => b.sim.messages(p.channelId).some((m) => (m.files ?? []).length > 0), { what: 'private postmortem', timeout: 30_000 });
}

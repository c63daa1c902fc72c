import { expect } from 'vitest';
import type { RecordedCall, SimEphemeral } from '../../src/dev/slack-simulator.js';
import type { Incident } from '../../src/incidents/model.js';
import { checkoutAlert, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/** Helpers shared by the lifecycle tests (issue #4): drive Beacon as people do, read what they would see. */

export const ALICE = 'U0000001'; // responder
export const BOB = 'U0000002'; // responder
export const CAROL = 'U0000003'; // not a responder

export interface Opened {
  channelId: string;
  incidentId: string;
  cardTs: string;
}

export const general = (b: TestBeacon) => b.sim.channelByName('general')!.id;

/** The incident document as Beacon stored it. */
export async function doc(b: TestBeacon, id: string): Promise<Incident> {
  const raw = await b.redis.hget(keysOf(b).incident(id), 'doc');
  if (!raw) throw new Error(`no incident ${id}`);
  return JSON.parse(raw) as Incident;
}

export async function incidentOfChannel(b: TestBeacon, channelId: string): Promise<string | null> {
  return b.redis.get(keysOf(b).channel(channelId));
}

/** Waits until the incident channel is open (card posted) and returns it. */
export async function opened(b: TestBeacon, channelMatch: RegExp): Promise<Opened> {
  const ch = await waitFor(() => b.sim.channels().find((c) => channelMatch.test(c.name)), { what: `channel ${channelMatch}`, timeout: 30_000 });
  const incidentId = await waitFor(() => incidentOfChannel(b, ch.id), { what: 'channel index' });
  const cardTs = await waitFor(
    async () => {
      const d = await doc(b, incidentId);
      return d.slack.opened ? d.slack.messages.card : undefined;
    },
    { what: 'card', timeout: 30_000 },
  );
  return { channelId: ch.id, incidentId, cardTs };
}

/** An incident opened by an alert (responders ALICE and BOB invited). */
export async function alertIncident(b: TestBeacon, slug: string, over: Record<string, unknown> = {}): Promise<Opened> {
  const title = `Lifecycle ${slug}`;
  const res = await b.post('/webhooks/generic', checkoutAlert({ title, fingerprint: `fp-${slug}`, group: `g-${slug}`, severity: 'sev3', ...over }));
  expect(res.status).toBe(202);
  return opened(b, new RegExp(`lifecycle-${slug}$`));
}

/** `/incident <text>` typed by `userId` in `channelId`; returns the HTTP ack. */
export function command(b: TestBeacon, channelId: string, userId: string, text: string, triggerId?: string) {
  return b.sim.slashCommand({ text, channelId, userId, ...(triggerId ? { triggerId } : {}) });
}

/** Text of the ack body a slash command got (the ephemeral answer), '' for an empty ack. */
export function ackText(delivery: { body: string }): string {
  if (!delivery.body) return '';
  try {
    const parsed = JSON.parse(delivery.body) as { text?: string; response_type?: string };
    expect(parsed.response_type ?? 'ephemeral').toBe('ephemeral');
    return parsed.text ?? '';
  } catch {
    return delivery.body;
  }
}

/** Everything only `userId` saw, from any source (ack body, response_url, chat.postEphemeral). */
export function ephemeralsOf(b: TestBeacon, userId: string, source?: SimEphemeral['source']): SimEphemeral[] {
  return b.sim.ephemerals.filter((e) => e.user === userId && (!source || e.source === source));
}

export function waitForEphemeral(b: TestBeacon, userId: string, match: RegExp, source?: SimEphemeral['source']) {
  return waitFor(() => ephemeralsOf(b, userId, source).find((e) => match.test(e.text) || match.test(JSON.stringify(e.blocks ?? ''))), {
    what: `ephemeral for ${userId} matching ${match}`,
  });
}

/** The latest `chat.update` of the card. */
export function lastCardUpdate(b: TestBeacon, o: Opened): RecordedCall | undefined {
  return b.sim.callsTo('chat.update').filter((c) => c.params.ts === o.cardTs && c.params.channel === o.channelId && c.ok).at(-1);
}

/** Waits until the card's latest `chat.update` satisfies `ok`; returns its blocks as text. */
export async function cardShows(b: TestBeacon, o: Opened, ok: (blocks: string) => boolean, what = 'card update'): Promise<string> {
  return waitFor(
    (): string | undefined => {
      const c = lastCardUpdate(b, o);
      const text = c ? JSON.stringify(c.params.blocks) : '';
      return c && ok(text) ? text : undefined;
    },
    { what },
  );
}

/** Beacon's channel messages (not the card, not Slack's notices), as text. */
export function channelSays(b: TestBeacon, channelId: string): string[] {
  return b.sim.messages(channelId).map((m) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`);
}

export async function waitForSay(b: TestBeacon, channelId: string, match: RegExp): Promise<string> {
  return waitFor(() => channelSays(b, channelId).find((t) => match.test(t)), { what: `channel message matching ${match}` });
}

/** The card's buttons and menu, as a person sees them. */
export function controlsOf(blocksText: string): string[] {
  const blocks = JSON.parse(blocksText) as { type: string; elements?: { action_id?: string }[] }[];
  return blocks.filter((x) => x.type === 'actions').flatMap((x) => (x.elements ?? []).map((e) => e.action_id ?? ''));
}

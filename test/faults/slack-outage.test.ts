import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue #7: Slack answering 429 and 500 for a while loses no message and makes no duplicate.
 * Every method Beacon uses to open an incident fails several times in a row (more than the
 * Web API client's own retries), so BullMQ's job retries have to carry the work through.
 */
describe('Slack rate-limiting and failing for a while', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('opens every incident exactly once when it recovers', async () => {
    for (const method of ['conversations.create', 'conversations.invite', 'chat.postMessage', 'pins.add', 'chat.update', 'conversations.setTopic']) {
      b.sim.failNext(method, { status: 429, retryAfter: 1 }, 2);
      b.sim.failNext(method, { status: 500 }, 6);
    }
    const titles = ['Outage A checkout', 'Outage B search', 'Outage C login'];
    for (const [i, title] of titles.entries()) {
      expect((await b.post('/webhooks/generic', checkoutAlert({ title, group: `outage-${i}`, fingerprint: `outage-${i}` }))).status).toBe(202);
      expect((await b.post('/webhooks/generic', checkoutAlert({ title: `${title} second`, group: `outage-${i}`, fingerprint: `outage-${i}-b` }))).status).toBe(202);
    }
    const channelOf = (t: string) => b.sim.channels().find((c) => c.name.includes(t.toLowerCase().replace(/ /g, '-')));
    for (const t of titles) {
      const ch = await waitFor(() => channelOf(t), { what: `channel for ${t}`, timeout: 90_000, interval: 200 });
      await waitFor(() => b.sim.transcript(ch.id).includes('2 firing'), { what: `alerts message of ${t}`, timeout: 90_000, interval: 200 });
    }
    // Every fault injected into the opening steps was hit (and waited out).
    for (const method of ['conversations.create', 'conversations.invite', 'chat.postMessage', 'pins.add']) {
      const faulted = b.sim.callsTo(method).filter((c) => c.status === 429 || c.status === 500);
      expect(faulted, method).toHaveLength(8);
    }
    for (const t of titles) {
      const ch = channelOf(t)!;
      const keys = b.sim.messages(ch.id).map((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key);
      expect(keys.filter((k) => k?.endsWith(':card'))).toHaveLength(1);
      expect(keys.filter((k) => k?.endsWith(':alerts'))).toHaveLength(1);
      expect(b.sim.channel(ch.id)!.pins).toHaveLength(1);
      expect(b.sim.channels().filter((c) => c.name.startsWith(ch.name))).toHaveLength(1);
    }
  });
});

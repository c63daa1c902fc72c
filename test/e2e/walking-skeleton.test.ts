import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_TOKEN, RESPONDERS, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue #2, "done when" 2: the running app over HTTP, against the Slack simulator and a real
 * Redis: an alert opens exactly one incident channel with its pinned card.
 */
describe('an alert opens an incident channel', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  const channelsNamed = (re: RegExp) => b.sim.channels().filter((c) => re.test(c.name));
  const cardsIn = (channelId: string) =>
    b.sim.messages(channelId).filter((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key?.endsWith(':card'));

  it('creates a valid channel, invites responders, posts and pins the card', async () => {
    const res = await b.post('/webhooks/generic', checkoutAlert());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1 });

    const ch = await waitFor(() => channelsNamed(/checkout/)[0], { what: 'channel' });
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    expect(ch.name).toBe(`inc-${today}-checkout-successful-payment-transactions-dropped-60`);
    expect(ch.name).toMatch(/^[a-z0-9_-]{1,80}$/);
    const card = await waitFor(() => cardsIn(ch.id)[0], { what: 'card' });
    // Responders are invited right after the card is posted and pinned.
    await waitFor(() => RESPONDERS.every((u) => b.sim.channel(ch.id)!.members.includes(u)), { what: 'responders invited' });
    expect(JSON.stringify(card.blocks)).toContain('Checkout: successful payment transactions dropped 60%');
    const text = b.sim.transcript(ch.id);
    expect(text).toMatch(/SEV1/);
    expect(text).toMatch(/Triggered/);
    expect(text).toMatch(/checkout/);
    expect(text).toContain('[Acknowledge]');
    expect(text).toContain('[Resolve]');
    await waitFor(() => b.sim.channel(ch.id)?.pins.includes(card.ts), { what: 'pinned card' });
  });

  it('makes one channel and one card for the same alert sent five times', async () => {
    const alert = checkoutAlert({ title: 'Orders API 5xx above 5%', service: 'orders', fingerprint: 'orders-5xx', group: 'orders' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => b.post('/webhooks/generic', alert)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const ch = await waitFor(() => channelsNamed(/orders-api/)[0], { what: 'channel' });
    await waitFor(() => cardsIn(ch.id).length === 1);
    // Let any straggling job finish, then check nothing doubled.
    await waitFor(async () => (await b.worker!.workers[0]!.isRunning()) && b.sim.callsTo('chat.update').length >= 0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(channelsNamed(/orders-api/)).toHaveLength(1);
    expect(cardsIn(ch.id)).toHaveLength(1);
    expect(b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).includes('orders-api'))).toHaveLength(1);
  });

  it('puts a second alert of the same group in the same channel', async () => {
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Search latency p99 above 2s', service: 'search', fingerprint: 'search-p99', group: 'search' }));
    const ch = await waitFor(() => channelsNamed(/search-latency/)[0], { what: 'channel' });
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Search error rate above 1%', service: 'search', fingerprint: 'search-errors', group: 'search' }));
    await waitFor(() => b.sim.transcript(ch.id).includes('Search error rate above 1%'), { what: 'second alert in the alerts message' });
    expect(b.sim.transcript(ch.id)).toMatch(/2 firing/);
    expect(channelsNamed(/search/)).toHaveLength(1);
  });

  it('notes a resolved alert in the channel', async () => {
    const alert = checkoutAlert({ title: 'Queue backlog above 10k', service: 'queue', fingerprint: 'queue-backlog', group: 'queue' });
    await b.post('/webhooks/generic', alert);
    const ch = await waitFor(() => channelsNamed(/queue-backlog/)[0], { what: 'channel' });
    await waitFor(() => b.sim.transcript(ch.id).includes('1 firing'));
    await b.post('/webhooks/generic', { ...alert, status: 'resolved' });
    await waitFor(() => b.sim.transcript(ch.id).includes('0 firing, 1 resolved'), { what: 'resolved alert shown' });
    expect(b.sim.transcript(ch.id)).toContain('Every alert of this incident has resolved');
  });

  it('adds -2 when Slack says the name is taken', async () => {
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const taken = `inc-${today}-disk-full-on-db-1`;
    // Someone already has this channel (made outside Beacon).
    const made = await fetch(`${b.sim.url}conversations.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: taken }),
    }).then((r) => r.json() as Promise<{ ok: boolean }>);
    expect(made.ok).toBe(true);
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Disk full on db-1', service: 'db', fingerprint: 'disk-db-1', group: 'db' }));
    const ch = await waitFor(() => b.sim.channelByName(`${taken}-2`), { what: '-2 channel' });
    await waitFor(() => cardsIn(ch.id).length === 1);
    expect(cardsIn(b.sim.channelByName(taken)!.id)).toHaveLength(0);
  });

  it('ends in exactly one channel when conversations.create answers 429 then 500', async () => {
    b.sim.failNext('conversations.create', { status: 429, retryAfter: 1 });
    b.sim.failNext('conversations.create', { status: 500 });
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Payments gateway timeouts', service: 'gateway', fingerprint: 'gw-timeouts', group: 'gw' }));
    const ch = await waitFor(() => channelsNamed(/payments-gateway-timeouts/)[0], { what: 'channel after 429 and 500', timeout: 30_000 });
    await waitFor(() => cardsIn(ch.id).length === 1);
    const creates = b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).includes('payments-gateway-timeouts'));
    expect(creates.map((c) => c.status)).toEqual([429, 500, 200]);
    expect(channelsNamed(/payments-gateway-timeouts/)).toHaveLength(1);
  });
});

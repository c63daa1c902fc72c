import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { BOT_TOKEN, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';

const APP_TOKEN = 'xapp-1-A0BEACONAPP-0000-socket-mode-test-token';

/**
 * With SLACK_APP_TOKEN set, Slack traffic arrives over Socket Mode (a WebSocket Beacon opens with
 * `apps.connections.open`), served by the same listeners as HTTP. The simulator plays Slack's side.
 */
describe('Socket Mode', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;
  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
    await sim.start();
    b = await startBeacon({ sim, env: { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' } });
    await sim.socketMode.waitForConnection();
    sim.transport = 'socket';
  });
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  it('connects with the app-level token, and /slack/events over HTTP is not served', async () => {
    expect(sim.callsTo('apps.connections.open').some((c) => c.ok)).toBe(true);
    expect(sim.socketMode.connections).toBe(1);
    const res = await fetch(`${b.url}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });

  it('answers /incident help in the ack, and drives an incident with a command and a card button', async () => {
    const help = await sim.slashCommand({ text: 'help', channelId: 'C0000GENERAL', userId: 'U0000001' });
    expect(help.body).toContain('/incident declare');

    await b.post('/webhooks/generic', checkoutAlert({ title: 'Socket mode incident', group: 'sm', fingerprint: 'sm' }));
    const ch = await waitFor(() => sim.channels().find((c) => c.name.includes('socket-mode-incident')), { what: 'channel' });
    const card = await waitFor(() => sim.messages(ch.id).find((m) => JSON.stringify(m.blocks ?? []).includes('incident.resolve')), { what: 'card' });

    await sim.slashCommand({ text: 'ack', channelId: ch.id, userId: 'U0000002' });
    await waitFor(() => sim.messages(ch.id).some((m) => /acknowledged the incident/.test(m.text)), { what: 'ack announced' });

    const incidentId = await b.redis.get(keysOf(b).channel(ch.id));
    await sim.blockAction({ userId: 'U0000002', channelId: ch.id, messageTs: card.ts, actionId: 'incident.resolve', value: incidentId!, type: 'button' });
    await waitFor(async () => {
      const doc = await b.redis.hget(keysOf(b).incident(incidentId!), 'doc');
      return doc && (JSON.parse(doc) as { status: string }).status === 'resolved';
    }, { what: 'resolved through the card button' });
  });

  it('takes a Slack retry of an event once (same event_id, retry_attempt 1)', async () => {
    const ch = sim.channels().find((c) => c.name.includes('socket-mode-incident'))!;
    const msg = sim.userMessage({ userId: 'U0000003', channelId: ch.id, text: 'Gateway answers 401 since 08:30' });
    const event = { type: 'reaction_added', user: 'U0000003', reaction: 'pushpin', item: { type: 'message', channel: ch.id, ts: msg.ts }, event_ts: msg.ts };
    await sim.event({ event, eventId: 'Ev0SOCKET1' });
    await sim.event({ event, eventId: 'Ev0SOCKET1', retryNum: 1, retryReason: 'timeout' });
    const incidentId = await b.redis.get(keysOf(b).channel(ch.id));
    const pinned = async () => {
      const entries = await timelineEvents<{ kind: string; text: string }>(b.redis, keysOf(b), incidentId!);
      return entries.filter((e) => e.kind === 'pinned');
    };
    await waitFor(async () => (await pinned()).length === 1, { what: 'the pinned message on the timeline' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await pinned()).toEqual([expect.objectContaining({ text: 'Gateway answers 401 since 08:30' })]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeacon, type TestBeacon } from '../support/beacon.js';

/**
 * Bolt with a single bot token and token verification off calls auth.test before every
 * listener; Beacon's authorize caches it, so a slash command costs no Slack round trip.
 */
describe('Slack authorization', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('calls auth.test once for many slash commands', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await b.sim.slashCommand({ text: 'help', channelId: 'C0000GENERAL', userId: 'U0000001' });
      expect(res.status).toBe(200);
      expect(res.body).toContain('/incident');
    }
    expect(b.sim.callsTo('auth.test')).toHaveLength(1);
  });

  it('still answers while auth.test fails, and tries it again next time', async () => {
    const fresh = await startBeacon({ worker: false });
    try {
      fresh.sim.failNext('auth.test', { status: 500 }, 3);
      const first = await fresh.sim.slashCommand({ text: 'help', channelId: 'C0000GENERAL', userId: 'U0000001' });
      expect(first.status).toBe(200);
      expect(first.body).toContain('/incident');
      const second = await fresh.sim.slashCommand({ text: 'help', channelId: 'C0000GENERAL', userId: 'U0000001' });
      expect(second.body).toContain('/incident');
      const calls = fresh.sim.callsTo('auth.test');
      expect(calls.filter((c) => c.status === 500)).toHaveLength(3);
      expect(calls.filter((c) => c.status === 200)).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });
});

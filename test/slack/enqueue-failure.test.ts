import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisHandle } from '../../src/dev/local-redis.js';
import { sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { ALICE, BOB, CAROL, ackText, alertIncident, command, doc, general, waitForEphemeral } from '../e2e/lifecycle-helpers.js';

/**
 * Issue "one clear house": an enqueue failure never vanishes silently. Checklist clicks are
 * covered in test/faults/defects.test.ts; here the card's controls, the slash commands that queue
 * a job and the declare form, each answered with an error the person sees when Redis refuses the job.
 */
describe('a card click, a command or the declare form whose job cannot be queued', () => {
  // A private Redis: the test makes it refuse writes, which no other test file may see.
  let redis: RedisHandle;
  let b: TestBeacon;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    b = await startBeacon({ env: { REDIS_URL: redis.url } });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    await b?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('is answered with an error the person sees, nothing is applied, and doing it again works', async () => {
    const o = await alertIncident(b, 'click-refused');
    const clickAck = () => b.sim.blockAction({ userId: ALICE, channelId: o.channelId, messageTs: o.cardTs, actionId: 'incident.acknowledge' });

    // Redis refuses every write (full, with noeviction): no job can be queued.
    await admin.config('SET', 'maxmemory', '1');
    try {
      const click = await clickAck();
      expect(click.status).toBe(200);
      await waitForEphemeral(b, ALICE, /could not record your click/, 'response_url');

      const typed = await command(b, o.channelId, BOB, 'ack');
      expect(typed.status).toBe(200);
      expect(ackText(typed)).toMatch(/could not record `\/incident ack`.*try again/);

      const declared = await command(b, general(b), CAROL, 'declare Queue refused sev2');
      expect(declared.status).toBe(200);
      expect(ackText(declared)).toMatch(/could not record your declaration.*try again/);

      const drill = await command(b, general(b), CAROL, 'drill checkout-credentials');
      expect(drill.status).toBe(200);
      expect(ackText(drill)).toMatch(/could not record your drill.*try again/);

      const form = await b.sim.viewSubmission({ userId: CAROL, callbackId: 'incident.declare', values: { declare_title: { title: { type: 'plain_text_input', value: 'Form refused' } } } });
      expect(form.status).toBe(200);
      expect(JSON.parse(form.body)).toMatchObject({ response_action: 'errors', errors: { declare_title: expect.stringMatching(/could not queue this declaration.*again/) } });
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await sleep(500);
    expect((await doc(b, o.incidentId)).status).toBe('triggered');
    expect(b.sim.channels().filter((c) => /queue-refused|form-refused|^drill-/.test(c.name))).toHaveLength(0);

    // Clicking again once Redis takes writes acknowledges the incident.
    await clickAck();
    await waitFor(async () => ((await doc(b, o.incidentId)).status === 'acknowledged' ? true : undefined), { what: 'acknowledged', timeout: 20_000 });
  });
});

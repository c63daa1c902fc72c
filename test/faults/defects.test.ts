import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisHandle } from '../../src/dev/local-redis.js';
import { Queues } from '../../src/jobs/queues.js';
import { Keys } from '../../src/keys.js';
import { checkoutAlert, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, alertIncident, doc, opened } from '../e2e/lifecycle-helpers.js';

/**
 * Issue "one clear house", done when 6: the two defects found on the way, each shown by a test
 * that fails without its fix.
 */
describe('a checklist click whose job cannot be queued', () => {
  // A private Redis: the test makes it refuse writes, which no other test file may see.
  let redis: RedisHandle;
  let b: TestBeacon;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    b = await startBeacon({ env: { REDIS_URL: redis.url, RUNBOOKS_DIR: 'runbooks' } });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    await b?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('is answered with an error the clicker sees, and a later click is recorded', async () => {
    const res = await b.post('/webhooks/generic', checkoutAlert({ title: 'Click defect', fingerprint: 'fp-click', group: 'g-click' }));
    expect(res.status).toBe(202);
    const o = await opened(b, /click-defect$/);
    const ts = await waitFor(async () => (await doc(b, o.incidentId)).slack.messages.checklist, { what: 'checklist', timeout: 30_000 });
    const tick = () =>
      b.sim.blockAction({ userId: ALICE, channelId: o.channelId, messageTs: ts, actionId: 'checklist.toggle', blockId: 'checklist:checkout-payments:0', selectedOptions: [{ value: 'checkout-payments:s1' }] });
    const ticks = async () => (await timelineEvents<{ kind: string }>(b.redis, keysOf(b), o.incidentId)).filter((e) => e.kind === 'checklist.tick');

    // Redis refuses every write (full, with noeviction): the job cannot be queued.
    await admin.config('SET', 'maxmemory', '1');
    try {
      const ack = await tick();
      expect(ack.status).toBe(200);
      const told = await waitFor(() => b.sim.ephemerals.find((e) => e.user === ALICE && /could not record your tick/.test(e.text)), { what: 'the error the clicker sees' });
      expect(told.source).toBe('response_url');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await sleep(500);
    expect(await ticks()).toHaveLength(0);

    // Clicking again once Redis takes writes records the tick.
    await tick();
    await waitFor(async () => ((await ticks()).length === 1 ? true : undefined), { what: 'the tick recorded', timeout: 20_000 });
  });
});

describe('a summary job run again whose lookup of its earlier post fails', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('never posts a second summary: the failed lookup is retried, not taken for "not posted"', async () => {
    const o = await alertIncident(b, 'summary-twice');
    const conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    const queues = new Queues(conn, new Keys(b.config.redis.prefix));
    const tag = `${o.incidentId}:summary:asked-redelivered`;
    const summaries = () => b.sim.messages(o.channelId).filter((m) => m.metadata?.event_payload?.key === tag);
    const job = { incidentId: o.incidentId, periodic: false, runId: 'asked-redelivered' };
    try {
      await queues.add('summary.post', job, { jobId: 'summary-first' });
      await waitFor(() => (summaries().length === 1 ? true : undefined), { what: 'the summary', timeout: 20_000 });
      // The same run delivered again (a retry after a crash), while Slack fails the lookup once.
      b.sim.failNext('conversations.history', { error: 'internal_error' });
      await queues.add('summary.post', job, { jobId: 'summary-again' });
      const again = queues.queueOf('summary.post');
      await waitFor(async () => ((await (await again.getJob('summary-again'))?.isCompleted()) ? true : undefined), { what: 'the second run done', timeout: 30_000 });
    } finally {
      await queues.close();
      conn.disconnect();
    }
    expect(b.sim.calls.filter((c) => c.method === 'conversations.history' && !c.ok).length).toBeGreaterThanOrEqual(1);
    expect(summaries()).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIds, webhookDelivery } from '../../src/ids.js';
import { WEBHOOK_TOKEN, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';
import { startReplicated, until, type Replicated } from '../support/redis-ha.js';

/**
 * REDIS_MIN_REPLICAS (issue 15): a webhook answers 202 only once WAIT says that many replicas
 * hold its jobs; otherwise 503 with Retry-After, nothing claimed as accepted. A real master with
 * one replica; Beacon's web asks for one replica (enough) and for two (more than there are).
 */
describe('REDIS_MIN_REPLICAS', () => {
  let redis: Replicated;
  let one: TestBeacon;
  let two: TestBeacon;

  beforeAll(async () => {
    redis = await startReplicated(1);
    const env = { REDIS_URL: redis.url, LOG_LEVEL: 'warn' };
    one = await startBeacon({ env: { ...env, REDIS_MIN_REPLICAS: '1' } });
    two = await startBeacon({ env: { ...env, REDIS_MIN_REPLICAS: '2' }, worker: false });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await redis?.stop();
  });

  const metric = async (b: TestBeacon, outcome: string) => {
    const text = await (await fetch(`${b.url}/metrics`)).text();
    return Number(new RegExp(`beacon_alerts_received_total\\{source="generic",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };
  /** The BullMQ job hash of the first alert of a generic delivery with this body, on one node. */
  const jobOn = async (b: TestBeacon, node: Replicated['master'], body: unknown) => {
    const id = jobIds.alert(webhookDelivery('generic', undefined, Buffer.from(JSON.stringify(body))), 0);
    return Number(await node.call('EXISTS', `${keysOf(b).queuePrefix}:intake:${id}`));
  };

  it('more replicas asked for than exist: 503 with Retry-After and a body naming REDIS_MIN_REPLICAS; no job written, none counted as accepted', async () => {
    const body = checkoutAlert({ title: 'Too few replicas', fingerprint: 'mr-few', group: 'mr-few' });
    const res = await two.post('/webhooks/generic', body);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/REDIS_MIN_REPLICAS/);
    expect(res.body.error).toMatch(/not accepted\. Retry later/);
    const again = await fetch(`${two.url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(body) });
    expect(again.status).toBe(503);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await metric(two, 'accepted')).toBe(0);
    expect(await metric(two, 'unreplicated')).toBe(2);
    // Refused before writing: the master knows only one replica, so the job was never added.
    expect(await jobOn(two, redis.master, body)).toBe(0);
    // Every sender route answers the same way (here the PagerDuty Events API).
    const pd = await two.post('/pagerduty/v2/enqueue', { routing_key: WEBHOOK_TOKEN, event_action: 'trigger', payload: { summary: 'x', source: 'y', severity: 'critical' } });
    expect(pd.status).toBe(503);
  });

  it('enough replicas: 202, and at that moment the replica already holds the job', async () => {
    const body = checkoutAlert({ title: 'Replicated alert', fingerprint: 'mr-ok', group: 'mr-ok' });
    const res = await one.post('/webhooks/generic', body);
    expect(res.status).toBe(202);
    // Read from the replica itself, right after the answer: WAIT confirmed it, no waiting here.
    expect(await jobOn(one, redis.replicas[0]!, body)).toBe(1);
    expect(await metric(one, 'accepted')).toBe(1);
    await waitFor(() => one.sim.channels().find((c) => c.name.endsWith('replicated-alert')), { what: 'the incident channel' });
  });

  it('a replica that stops answering: 503 within the WAIT timeout, then 202 again once it is back; the retried alert is counted once', async () => {
    const replica = redis.replicas[0]!;
    const body = checkoutAlert({ title: 'Replica paused', fingerprint: 'mr-paused', group: 'mr-paused' });
    replica.signal('SIGSTOP');
    let res;
    try {
      const started = Date.now();
      res = await one.post('/webhooks/generic', body);
      // Still listed as online by the master (its lag is under 2 s): WAIT itself said no.
      expect(res.status).toBe(503);
      expect(res.body.error).toMatch(/REDIS_MIN_REPLICAS/);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      replica.signal('SIGCONT');
    }
    // The sender retries the same delivery until it is accepted.
    const accepted = await waitFor(async () => (await one.post('/webhooks/generic', body)).status === 202, { what: '202 after the replica is back', timeout: 15_000, interval: 200 });
    expect(accepted).toBe(true);
    const ch = await waitFor(() => one.sim.channels().find((c) => c.name.endsWith('replica-paused')), { what: 'the incident channel' });
    const id = await waitFor(() => one.redis.get(keysOf(one).channel(ch.id)), { what: 'the channel index' });
    const count = async () => (await one.redis.hvals(keysOf(one).incidentAlerts(id))).map((s) => (JSON.parse(s) as { count: number }).count);
    await waitFor(async () => (await count()).length === 1, { what: 'the alert recorded' });
    // The unconfirmed first delivery and the accepted retry are one job: counted once.
    await until(async () => (await one.redis.llen(`${keysOf(one).queuePrefix}:intake:wait`)) === 0, 'intake drained');
    expect(await count()).toEqual([1]);
  });

  it('a replica killed: 503 at once (the master lists no replica), 202 again after it resyncs', async () => {
    const replica = redis.replicas[0]!;
    await replica.kill('SIGKILL');
    await until(async () => Number(/connected_slaves:(\d+)/.exec(String(await redis.master.call('INFO', 'replication')))?.[1]) === 0, 'the master to lose its replica');
    const body = checkoutAlert({ title: 'Replica gone', fingerprint: 'mr-gone', group: 'mr-gone' });
    const started = Date.now();
    const res = await one.post('/webhooks/generic', body);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1500);
    await replica.start(['--replicaof', '127.0.0.1', String(redis.master.port)]);
    await waitFor(async () => (await one.post('/webhooks/generic', body)).status === 202, { what: '202 after the resync', timeout: 20_000, interval: 200 });
    expect(await jobOn(one, replica, body)).toBe(1);
  });
});

import { request, Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_TOKEN, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/**
 * Issue #3, "done when" 5: an alert storm of 10,000 alerts (200 distinct fingerprints, one group)
 * makes exactly one channel, at most 30 Slack API calls, and the incident records 200 distinct
 * alerts with their repeat counts.
 */
describe('alert storm', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ env: { WORKER_CONCURRENCY: '16', LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('10,000 alerts, 200 distinct, one group: one channel, <= 30 Slack calls, counts kept', async () => {
    const TOTAL = 10_000;
    const DISTINCT = 200;
    const PER_REQUEST = 20;
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const { port } = new URL(b.url);
    // A lean client: node:http with keep-alive, 50 requests in flight.
    const send = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/webhooks/generic', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const bodies: string[] = [];
    for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
      const alerts = Array.from({ length: PER_REQUEST }, (_, k) => {
        const i = r * PER_REQUEST + k;
        return {
          title: `Pod crash looping: checkout-${i % DISTINCT}`,
          severity: 'high',
          service: 'checkout',
          group: 'checkout-storm',
          fingerprint: `pod-${i % DISTINCT}`,
          // Each notification carries the current value, as monitoring tools do.
          description: `restarts=${i}`,
        };
      });
      bodies.push(JSON.stringify({ alerts }));
    }
    const callsBefore = b.sim.calls.length;
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < bodies.length) statuses.push(await send(bodies[next++]!));
      }),
    );
    agent.destroy();
    expect(statuses.filter((s) => s !== 202)).toEqual([]);

    const keys = keysOf(b);
    const alertsKey = async () => {
      const ch = b.sim.channels().find((c) => c.name.includes('pod-crash-looping'));
      if (!ch) return null;
      const id = await b.redis.get(keys.channel(ch.id));
      return id ? keys.incidentAlerts(id) : null;
    };
    const key = await waitFor(alertsKey, { what: 'the incident', timeout: 60_000 });
    await waitFor(
      async () => {
        const all = (await b.redis.hvals(key)).map((s) => JSON.parse(s) as { count: number });
        return all.length === DISTINCT && all.reduce((n, a) => n + a.count, 0) === TOTAL;
      },
      { what: 'every notification counted', timeout: 120_000, interval: 250 },
    );
    // Quiet: no job waiting, and the debounced alerts refresh has run.
    await waitFor(async () => {
      const counts = await Promise.all(['intake', 'incidents'].flatMap((q) => ['wait', 'active', 'delayed', 'prioritized'].map((l) => (l === 'delayed' || l === 'prioritized' ? b.redis.zcard(`${keys.queuePrefix}:${q}:${l}`) : b.redis.llen(`${keys.queuePrefix}:${q}:${l}`)))));
      return counts.every((c) => c === 0);
    }, { what: 'queues drained', timeout: 60_000, interval: 200 });

    const records = (await b.redis.hvals(key)).map((s) => JSON.parse(s) as { fingerprint: string; count: number });
    expect(records).toHaveLength(DISTINCT);
    expect(new Set(records.map((r) => r.count))).toEqual(new Set([TOTAL / DISTINCT]));

    expect(b.sim.channels().filter((c) => c.name.includes('pod-crash-looping'))).toHaveLength(1);
    const calls = b.sim.calls.slice(callsBefore);
    const byMethod: Record<string, number> = {};
    for (const c of calls) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
    console.log(`storm: ${calls.length} Slack API calls`, byMethod);
    expect(calls.length).toBeLessThanOrEqual(30);
    const ch = b.sim.channels().find((c) => c.name.includes('pod-crash-looping'))!;
    const text = b.sim.transcript(ch.id);
    expect(text).toContain('200 firing');
    expect(text).toContain('10000 notifications');
    expect(text).toContain('×50');
  });
});

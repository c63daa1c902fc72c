import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { Keys } from '../../src/keys.js';
import { WEBHOOK_TOKEN, startBeacon, uniquePrefix, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { lagThenKill, startRedisCluster, until, type RedisCluster, type RedisNode } from '../support/redis-ha.js';
import { ALICE, BOB, alertIncident, cardShows, command, doc, general, opened, waitForSay } from '../e2e/lifecycle-helpers.js';
import { sendAll } from './send.js';

/**
 * Issue 15, Cluster: Beacon (web and worker) on a real Redis Cluster of three masters with one
 * replica each. The core flow (alert to channel, commands, timeline, postmortem) runs on it, which
 * it can only if every script and MULTI stays within one hash slot; then a storm of 3,000 alerts
 * in one group goes on while masters fail over (REDIS_MIN_REPLICAS=1), and every alert answered
 * 202 is counted exactly once.
 */
describe('Beacon on Redis Cluster', () => {
  let cluster: RedisCluster;
  let b: TestBeacon;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    // A prefix whose queues and incident index sit on different masters, so that the flow below
    // crosses masters whatever the random names.
    let prefix = uniquePrefix('ha');
    while ((await cluster.masterOf(new Keys(prefix).queuePrefix)) === (await cluster.masterOf(new Keys(prefix).openIncidents()))) prefix = uniquePrefix('ha');
    b = await startBeacon({ env: { ...cluster.env, REDIS_KEY_PREFIX: prefix, REDIS_MIN_REPLICAS: '1', WORKER_CONCURRENCY: '8', LOG_LEVEL: 'warn', SLACK_RATE_SCALE: '60' } });
  });
  afterAll(async () => {
    // Closing must finish. Once in about ten runs it did not (the hook timed out after the
    // failovers; not explained yet), so a hang says what was still open instead of timing out.
    const closing = b?.close();
    const hung = await Promise.race([closing?.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30_000).unref())]);
    if (hung) console.error('Beacon still closing after 30 s:', JSON.stringify(openConnections(b)));
    await cluster?.stop();
    if (hung) throw new Error('Beacon did not close within 30 s after the failovers');
  });

  const timeline = (id: string) => timelineEvents<TimelineEvent>(b.redis, keysOf(b), id);

  it('the core flow: alert to channel, commands, list, timeline, resolve and postmortem', async () => {
    const o = await alertIncident(b, 'cluster-core', { service: 'ledger' });
    // Its keys and the queues' keys are spread over the masters (or the test would prove less).
    const masters = new Set((await Promise.all([keysOf(b).incident(o.incidentId), keysOf(b).queuePrefix, keysOf(b).openIncidents(), keysOf(b).channel(o.channelId)].map((k) => cluster.masterOf(k)))).map((n) => n.port));
    expect(masters.size).toBeGreaterThan(1);

    await command(b, o.channelId, ALICE, 'ack');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
    await command(b, o.channelId, ALICE, 'sev 2');
    await waitFor(async () => (await doc(b, o.incidentId)).severity === 'sev2');
    await cardShows(b, o, (t) => t.includes('SEV2'));
    await command(b, o.channelId, BOB, 'update failing over the ledger primary');
    await waitForSay(b, o.channelId, /Status update/);
    await command(b, o.channelId, BOB, 'note replica lag was 40 s before the failover');
    await command(b, o.channelId, BOB, 'task alert on replica lag');
    // A second incident, so that `list` reads incidents living on different slots.
    const other = await alertIncident(b, 'cluster-other', { service: 'search' });
    const list = await command(b, general(b), ALICE, 'list');
    expect(list.body).toContain(`<#${o.channelId}>`);
    expect(list.body).toContain(`<#${other.channelId}>`);

    await command(b, o.channelId, BOB, 'resolve primary back; lag under 1 s');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
    await waitForSay(b, o.channelId, /resolved the incident after/);
    // The group is free again and the incident left the open index (writes on other slots).
    expect(await b.redis.get(keysOf(b).openGroup((await doc(b, o.incidentId)).group))).toBeNull();
    expect(await b.redis.zscore(keysOf(b).openIncidents(), o.incidentId)).toBeNull();

    const kinds = ['incident.opened', 'alert.firing', 'acknowledged', 'severity', 'update', 'note', 'task', 'resolved'];
    await waitFor(async () => {
      const events = await timeline(o.incidentId);
      return kinds.every((k) => events.some((e) => e.kind === k));
    }, { what: 'every step on the timeline' });
    const events = await timeline(o.incidentId);
    for (const k of kinds) expect(events.filter((e) => e.kind === k), k).toHaveLength(1);

    // The postmortem draft is uploaded to the channel, and served over HTTP with the timeline in it.
    await waitFor(() => b.sim.callsTo('files.completeUploadExternal').some((c) => c.ok && c.params.channel_id === o.channelId), { what: 'the postmortem upload', timeout: 30_000 });
    const res = await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } });
    expect(res.status).toBe(200);
    const md = await res.text();
    for (const s of ['failing over the ledger primary', 'replica lag was 40 s', 'alert on replica lag', 'primary back']) expect(md).toContain(s);
  });

  it('3,000 alerts in one group while the queues\' master and the incident\'s master fail over: each answered 202 counted once', async () => {
    const TOTAL = 3000;
    const DISTINCT = 60;
    const PER_REQUEST = 20;
    const bodies: string[] = [];
    for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
      const alerts = Array.from({ length: PER_REQUEST }, (_, k) => {
        const i = r * PER_REQUEST + k;
        return { title: 'Cluster storm: pods crash looping', severity: 'high', service: 'checkout', group: 'cluster-storm', fingerprint: `pod-${i % DISTINCT}`, startsAt: '2026-01-01T00:00:00Z', description: `restarts=${i}` };
      });
      bodies.push(JSON.stringify({ alerts }));
    }
    const keys = keysOf(b);
    const first = await b.post('/webhooks/generic', JSON.parse(bodies[0]!));
    expect(first.status).toBe(202);
    const o = await opened(b, /cluster-storm-pods-crash-looping$/);

    // The masters to fail: the one holding the queues, then the one holding the incident.
    const queueMaster = await cluster.masterOf(keys.queuePrefix);
    const incidentMaster = await cluster.masterOf(keys.incident(o.incidentId));
    const targets = [queueMaster, ...(incidentMaster.port !== queueMaster.port ? [incidentMaster] : [])];
    const rounds: { master: number; missedBytes: number; promotedMs: number; healthyMs: number }[] = [];
    const failOver = async (master: RedisNode) => {
      const replica = await cluster.replicaOf(master);
      // As in the Sentinel test: the replica lags, the master takes writes it never passes on,
      // then dies; the lagging replica is promoted.
      const start = Date.now();
      const missedBytes = await lagThenKill(master, replica);
      await until(async () => String(await replica.call('ROLE').catch(() => '')).startsWith('master'), 'the replica promoted', 30_000);
      const promotedMs = Date.now() - start;
      // The old master comes back (same port, same nodes.conf) and rejoins as a replica.
      await master.start();
      await cluster.healthy(1);
      rounds.push({ master: master.port, missedBytes, promotedMs, healthyMs: Date.now() - start });
    };
    let failovers: Promise<void> | undefined;
    const sent = await sendAll(b.url, '/webhooks/generic', bodies.slice(1), {
      concurrency: 16,
      timeoutMs: 90_000,
      onAccepted: (n) => {
        if (n === 30) failovers = (async () => {
          for (const t of targets) await failOver(t);
        })();
      },
    });
    await failovers;
    console.log(`cluster storm: ${sent.attempts} attempts for ${sent.accepted + 1} deliveries`, sent.statuses, rounds);
    expect(rounds).toHaveLength(targets.length);
    // Each promoted replica had really missed writes its master took.
    for (const r of rounds) expect(r.missedBytes).toBeGreaterThan(0);

    const alertsKey = keys.incidentAlerts(o.incidentId);
    const records = async () => (await b.redis.hvals(alertsKey)).map((s) => JSON.parse(s) as { fingerprint: string; count: number });
    await waitFor(async () => (await records()).reduce((n, r) => n + r.count, 0) >= TOTAL, { what: 'every notification counted', timeout: 60_000, interval: 250 }).catch(async (err) => {
      console.error('counted', (await records()).reduce((n, r) => n + r.count, 0), 'of', TOTAL);
      throw err;
    });
    const q = `${keys.queuePrefix}:intake`;
    await waitFor(async () => (await b.redis.llen(`${q}:wait`)) + (await b.redis.llen(`${q}:active`)) + (await b.redis.zcard(`${q}:delayed`)) === 0, { what: 'intake drained', timeout: 30_000 });
    expect(await b.redis.zcard(`${q}:failed`)).toBe(0);
    const recs = await records();
    expect(recs).toHaveLength(DISTINCT);
    expect(recs.map((r) => r.count)).toEqual(Array(DISTINCT).fill(TOTAL / DISTINCT));
    expect(b.sim.channels().filter((c) => c.name.includes('cluster-storm'))).toHaveLength(1);
    const events = await timeline(o.incidentId);
    expect(events.filter((e) => e.kind === 'incident.opened')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'alert.firing')).toHaveLength(DISTINCT);
  }, 150_000);
});

/** What a close that hangs waits for: each BullMQ worker's state and its connections' nodes (diagnostics only). */
function openConnections(b: TestBeacon) {
  const nodes = (c: any) => c && { status: c.status, nodes: c.nodes?.().map((n: any) => `${n.options.port}:${n.status}:${n.commandQueue?.length ?? 0}`) };
  return {
    web: nodes(b.web.redis),
    workers: (b.worker?.workers ?? []).map((w: any) => ({ name: w.name, closed: w.closed, running: w.running, waiting: !!w.waiting, blocking: nodes(w.blockingConnection?._client), main: nodes(w.connection?._client) })),
  };
}

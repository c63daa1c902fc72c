import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connect } from '../../src/redis.js';
import { startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { haveRedisSentinel, lagThenKill, replicaOnline, startSentinelSet, until, type SentinelSet } from '../support/redis-ha.js';
import { sendAll, watchReadyz } from './send.js';

/**
 * Issue 15, Sentinel: Beacon (web and worker) on a real master, one replica and three
 * redis-sentinels, REDIS_MIN_REPLICAS=1. 1,000 alerts are sent while the master is SIGKILLed and
 * the Sentinels promote the replica; every alert answered 202 is in its incident exactly once.
 * Beacon follows the new master by itself, and /readyz says 503 while there is none.
 */
describe.runIf(haveRedisSentinel())('Beacon on Redis Sentinel', () => {
  let set: SentinelSet;
  let b: TestBeacon;
  beforeAll(async () => {
    set = await startSentinelSet();
    b = await startBeacon({ env: { ...set.env, REDIS_MIN_REPLICAS: '1', WORKER_CONCURRENCY: '8', LOG_LEVEL: 'warn', SLACK_RATE_SCALE: '60' } });
  });
  afterAll(async () => {
    await b?.close();
    await set?.stop();
  });

  it('1,000 alerts across a master SIGKILL and promotion: each answered 202 is counted once, none twice', async () => {
    // 10 groups of one alert, and 990 alerts in 10 groups (40 fingerprints each, most repeated).
    const expected = new Map<string, Map<string, number>>();
    const bodies: string[] = [];
    const add = (group: string, fingerprint: string, n: number) => {
      const fps = expected.get(group) ?? new Map<string, number>();
      fps.set(fingerprint, (fps.get(fingerprint) ?? 0) + 1);
      expected.set(group, fps);
      // Each notification is its own delivery (a new description); a fingerprint keeps its start.
      const startsAt = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + fingerprint.length * 1000).toISOString();
      bodies.push(JSON.stringify({ title: `Sentinel ${group}`, severity: 'warning', service: 'ledger', group, fingerprint, startsAt, description: `notification ${n}` }));
    };
    for (let n = 0; n < 1000; n++) {
      if (n % 100 === 0) add(`solo-${n / 100}`, `solo-${n / 100}`, n);
      else add(`rep-${n % 10}`, `rep-${n % 10}-${Math.floor(n / 10) % 40}`, n);
    }
    expect(bodies).toHaveLength(1000);

    const oldMaster = set.master.port;
    const readyz = watchReadyz(b.url);
    const times: Record<string, number> = {};
    let failover: Promise<void> | undefined;
    let missedBytes = 0;
    const killAndPromote = async () => {
      // The replica falls behind first (paused, as a busy or cut-off replica does), so the master
      // takes writes it never passes on: without REDIS_MIN_REPLICAS they would be answered 202
      // and lost with the master. Then the master dies and the lagging replica is promoted.
      times.pause = Date.now();
      missedBytes = await lagThenKill(set.master, set.replica);
      times.kill = Date.now();
      // Every sentinel names the new master before the old one comes back, so none mistakes it
      // (empty after its restart) for the master it remembers.
      await until(async () => (await set.currentMaster()) !== oldMaster, 'the sentinels to promote the replica', 30_000);
      times.promoted = Date.now();
      // The old master comes back (a supervisor restarts it) as a replica of the new one, so that
      // REDIS_MIN_REPLICAS=1 can be met again; it starts empty and resyncs.
      await set.master.start(['--replicaof', '127.0.0.1', String(set.replica.port)]);
      await until(async () => (await replicaOnline(set.replica)) >= 1, 'the old master to resync as a replica', 30_000);
      times.replicated = Date.now();
    };
    const sent = await sendAll(b.url, '/webhooks/generic', bodies, {
      concurrency: 16,
      timeoutMs: 60_000,
      onAccepted: (n) => {
        if (n === 300) failover = killAndPromote();
      },
    });
    await failover;
    const seen = await readyz.stop();
    console.log(`sentinel: ${sent.attempts} attempts for ${sent.accepted} alerts`, sent.statuses, {
      pausedMs: times.kill! - times.pause!,
      missedBytes,
      acceptedWhilePaused: sent.acceptedAt.filter((t) => t > times.pause! && t < times.kill!).length,
      promotedAfterMs: times.promoted! - times.kill!,
      replicatedAfterMs: times.replicated! - times.kill!,
      lastAcceptedAfterKillMs: Math.max(...sent.acceptedAt) - times.kill!,
    });
    expect(sent.accepted).toBe(1000);
    times.sent = Date.now();
    if (set.switches.length !== 1) console.error('sentinel log:', set.sentinels[0]!.output().split('\n').filter((l) => /[#*] [+-]/.test(l)).join('\n'), '\nnew master log:', set.replica.output().slice(-5000));
    expect(await set.currentMaster()).toBe(set.replica.port);
    // One failover, no other: a second one to the restarted, still empty node would lose data
    // whatever Beacon did (README: give the masters persistence).
    expect(set.switches).toEqual([`${oldMaster} -> ${set.replica.port}`]);
    // Accepted during and after the failover too: Beacon found the new master by itself.
    expect(sent.acceptedAt.filter((t) => t > times.promoted!).length).toBeGreaterThan(100);
    expect(sent.statuses['503'] ?? 0).toBeGreaterThan(0);
    // The promoted replica had really missed writes the old master took.
    expect(missedBytes).toBeGreaterThan(0);

    // /readyz: 200 before the kill, 503 while there was no master, 200 again after.
    expect(seen.filter((s) => s.at < times.kill!).every((s) => s.status === 200)).toBe(true);
    expect(seen.some((s) => s.at > times.kill! && s.at < times.promoted! + 2000 && s.status === 503)).toBe(true);
    await waitFor(async () => (await fetch(`${b.url}/readyz`)).status === 200, { what: '/readyz 200 after the failover' });

    // Every alert in its incident, counted once.
    const keys = keysOf(b);
    const counts = async (group: string): Promise<Record<string, number>> => {
      const id = await b.redis.get(keys.openGroup(`generic:${group}`));
      if (!id) return {};
      const recs = (await b.redis.hvals(keys.incidentAlerts(id))).map((s) => JSON.parse(s) as { fingerprint: string; count: number });
      // In the expected order, so that the two compare as JSON.
      const by = new Map(recs.map((r) => [r.fingerprint, r.count]));
      const order = [...(expected.get(group)?.keys() ?? [])];
      return Object.fromEntries([...order.filter((f) => by.has(f)), ...[...by.keys()].filter((f) => !order.includes(f))].map((f) => [f, by.get(f)!]));
    };
    const want = Object.fromEntries([...expected].map(([g, fps]) => [g, Object.fromEntries(fps)]));
    const all = async () => Object.fromEntries(await Promise.all([...expected.keys()].map(async (g) => [g, await counts(g)] as const)));
    await waitFor(async () => JSON.stringify(await all()) === JSON.stringify(want), { what: 'every alert counted', timeout: 60_000, interval: 250 }).catch(async (err) => {
      const got = await all();
      const diff = Object.keys(want).filter((g) => JSON.stringify(got[g]) !== JSON.stringify(want[g]));
      console.error('groups that differ:', diff.map((g) => ({ g, want: want[g], got: got[g] })).slice(0, 5));
      throw err;
    });
    times.counted = Date.now();
    // Nothing still to run (a retry could still add a count), and nothing failed for good.
    const q = `${keys.queuePrefix}:intake`;
    await waitFor(async () => (await b.redis.llen(`${q}:wait`)) + (await b.redis.llen(`${q}:active`)) + (await b.redis.zcard(`${q}:delayed`)) === 0, { what: 'intake drained', timeout: 30_000 });
    expect(await b.redis.zcard(`${q}:failed`)).toBe(0);
    expect(await all()).toEqual(want);

    // One incident per group, opened once: one channel each, one `incident.opened` on its timeline.
    await waitFor(() => b.sim.channels().filter((c) => /-sentinel-(solo|rep)-\d+$/.test(c.name)).length >= expected.size, { what: 'every channel', timeout: 60_000 }).catch(async (err) => {
      console.error('channels:', b.sim.channels().map((c) => c.name).join(' '));
      const q = `${keys.queuePrefix}:incidents`;
      console.error('incidents queue', { wait: await b.redis.llen(`${q}:wait`), active: await b.redis.llen(`${q}:active`), delayed: await b.redis.zcard(`${q}:delayed`), prioritized: await b.redis.zcard(`${q}:prioritized`), failed: await b.redis.zcard(`${q}:failed`) });
      console.error(b.logs().split('\n').filter((l) => !l.includes('fewer healthy')).slice(-60).join('\n'));
      throw err;
    });
    console.log(`sentinel: all counted ${times.counted! - times.sent!} ms after the last 202, every channel open after ${Date.now() - times.sent!} ms`);
    for (const g of expected.keys()) {
      expect(b.sim.channels().filter((c) => c.name.endsWith(`-sentinel-${g}`)), g).toHaveLength(1);
      const id = (await b.redis.get(keys.openGroup(`generic:${g}`)))!;
      const events = await timelineEvents<{ kind: string; data?: { fingerprint?: string } }>(b.redis, keys, id);
      expect(events.filter((e) => e.kind === 'incident.opened'), g).toHaveLength(1);
      const firing = events.filter((e) => e.kind === 'alert.firing').map((e) => e.data?.fingerprint);
      expect(new Set(firing).size, g).toBe(firing.length);
      expect(new Set(firing)).toEqual(new Set(expected.get(g)!.keys()));
    }
  }, 150_000);

  it('a connection reset while it asks the Sentinels keeps connecting (plain ioredis gives up for good)', async () => {
    const cfg = b.config.redis;
    const ours = connect(cfg, 'command', 'test-reset');
    const plain = new Redis({ sentinels: cfg.sentinels!.nodes, name: cfg.sentinels!.name, retryStrategy: () => 100 });
    plain.on('error', () => {});
    try {
      for (const r of [ours, plain]) await waitFor(() => r.status === 'ready', { what: 'connected' });
      // The Sentinels stop answering, so a reconnect hangs while it asks them which is the master;
      // a second reset then lands in that moment (as BullMQ's reset of a blocking connection can).
      for (const s of set.sentinels) s.signal('SIGSTOP');
      try {
        for (const r of [ours, plain]) r.disconnect(true);
        await waitFor(() => ours.status === 'connecting' && plain.status === 'connecting', { what: 'both asking the Sentinels' });
        for (const r of [ours, plain]) r.disconnect(true);
      } finally {
        for (const s of set.sentinels) s.signal('SIGCONT');
      }
      await waitFor(() => plain.status === 'end', { what: 'plain ioredis to give up' });
      // Beacon's connection starts again by itself and reaches the master.
      await waitFor(() => ours.status === 'ready', { what: 'our connection ready again', timeout: 15_000 });
      expect(await ours.ping()).toBe('PONG');
      expect(plain.status).toBe('end');
    } finally {
      await closeRedis(ours);
      plain.disconnect();
    }
    // Closed by its owner, it stays closed.
    await new Promise((r) => setTimeout(r, 500));
    expect(ours.status).toBe('end');
  });
});

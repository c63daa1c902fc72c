import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import { SLACK_TIERS } from '../../src/dev/slack-sim/tiers.js';
import type { Severity } from '../../src/domain.js';
import type { Incident } from '../../src/incidents/model.js';
import { BOT_TOKEN, RESPONDERS, SIGNING_SECRET, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/**
 * Issue 15, "Mass outage under tiers": 60 alert groups within 10 s (a region failing), mixed
 * severities, against the simulator enforcing Slack's published rate tiers (×SCALE: a minute's
 * allowance passes in 1/SCALE of a minute) and the manifest's scopes, Beacon pacing itself at the
 * same scale. Every incident opens exactly once, the sev1 ones first, each incident's channel,
 * card, pin and invites before its cosmetic topic; no call is refused for a scope, 429s are at
 * most a handful, and the whole opening takes at most 1.2x the minimum the tiers allow.
 *
 * The minimum: opening an incident costs one conversations.create and one pins.add (Tier 2, 20 a
 * minute, a burst of 20 in the simulator), one conversations.invite (Tier 3, 50) and four
 * chat.postMessage in its own new channel (card, what changed, checklist, alerts: within the
 * per-channel burst); the topic (Tier 2) is deferred. Tier 2 is the bound: 60 creations from a
 * full bucket need (60 - 20) / 20 minutes, 2 minutes at Slack's pace, 12 s at ×10. pins.add
 * follows the same bucket shape one step behind, so it adds only one step's latency; Tier 3's
 * 60 invites need (60 - 50) / 50 minutes, less. So: 12 s from the first alert, a lower bound.
 */
const SCALE = 10;
const N = 60;
const TIER2 = SLACK_TIERS[2];
const MINIMUM_MS = ((N - TIER2.burst) / (TIER2.perMinute * SCALE)) * 60_000;

const SEVERITY_COUNTS: Record<Severity, number> = { sev1: 12, sev2: 16, sev3: 16, sev4: 16 };

/** A fixed shuffle of the 60 severities (a small LCG: the same order every run). */
function severities(): Severity[] {
  const list = (Object.entries(SEVERITY_COUNTS) as [Severity, number][]).flatMap(([s, n]) => Array<Severity>(n).fill(s));
  let seed = 15;
  for (let i = list.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

const ok = (calls: RecordedCall[], method: string) => calls.filter((c) => c.method === method && c.ok);
const tagOf = (c: RecordedCall) => (c.params.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;

describe('mass outage under Slack tiers', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;
  let t0 = 0;
  let incidents: Incident[] = [];
  const sev = severities();

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, scopes: 'manifest', tiers: { scale: SCALE } });
    await sim.start();
    b = await startBeacon({ sim, env: { SLACK_RATE_SCALE: String(SCALE), SUMMARY_INTERVAL_MINUTES: '0', ESCALATION_MINUTES: '120', LOG_LEVEL: 'warn' } });
    // 12 deliveries of 5 alerts, 400 ms apart: 60 groups within 5 s.
    t0 = Date.now();
    for (let r = 0; r < 12; r++) {
      const alerts = Array.from({ length: 5 }, (_, k) => {
        const i = r * 5 + k;
        return { title: `Region down ${String(i).padStart(2, '0')}`, severity: sev[i], service: `svc-${i}`, group: `region-${i}`, fingerprint: `region-${i}` };
      });
      expect((await b.post('/webhooks/generic', { alerts })).status).toBe(202);
      if (r < 11) await sleep(400);
    }
    expect(Date.now() - t0).toBeLessThan(10_000);
    incidents = await waitFor(
      async () => {
        const docs = await listIncidents(b);
        return docs.length === N && docs.every((d) => d.slack.opened) ? docs : undefined;
      },
      { what: 'every incident opened', timeout: 120_000, interval: 100 },
    );
    // The topics come after, as their allowance allows.
    await waitFor(() => ok(sim.calls, 'conversations.setTopic').length >= N, { what: 'every topic', timeout: 60_000, interval: 100 });
    await sleep(1500);
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  it('opens every incident exactly once: one channel, one card, one pin, one invite, one topic each', () => {
    expect(incidents).toHaveLength(N);
    const creates = ok(sim.calls, 'conversations.create');
    expect(creates).toHaveLength(N);
    const channels = sim.channels().filter((c) => c.creator === sim.botUserId);
    expect(channels).toHaveLength(N);
    for (const inc of incidents) {
      const ch = inc.slack.channelId!;
      const posts = ok(sim.calls, 'chat.postMessage').filter((c) => c.params.channel === ch);
      expect(posts.filter((c) => tagOf(c) === `${inc.id}:card`)).toHaveLength(1);
      for (const slot of ['alerts', 'changes', 'checklist']) expect(posts.filter((c) => tagOf(c) === `${inc.id}:${slot}`)).toHaveLength(1);
      expect(ok(sim.calls, 'conversations.invite').filter((c) => c.params.channel === ch)).toHaveLength(1);
      expect(ok(sim.calls, 'pins.add').filter((c) => c.params.channel === ch)).toHaveLength(1);
      expect(sim.channel(ch)!.members).toEqual(expect.arrayContaining(RESPONDERS));
      expect(ok(sim.calls, 'conversations.setTopic').filter((c) => c.params.channel === ch)).toHaveLength(1);
      expect(sim.channel(ch)!.topic.value).toMatch(new RegExp(`^${inc.severity} \\| triggered \\| Region down`));
    }
  });

  it('refuses no call for a scope, and Beacon paces instead of hammering: 429s at most a handful', () => {
    expect(sim.calls.filter((c) => c.error === 'missing_scope')).toEqual([]);
    const limited = sim.calls.filter((c) => c.status === 429);
    expect(limited.length, limited.map((c) => c.method).join(', ')).toBeLessThanOrEqual(3);
  });

  it('opens the most severe first: no less severe channel while a more severe incident waited', () => {
    const rank = (x: Severity) => Number(x.slice(3));
    const rows = incidents.map((i) => ({ id: i.id, sev: i.severity, arrived: Date.parse(i.createdAt), channel: createdAt(sim.calls, i) }));
    // A less severe incident may go first only while the more severe one was not yet asking
    // (its alert in flight, the slot already due): GRACE after its incident was recorded.
    const GRACE = 1000;
    const inversions = rows.flatMap((hi) =>
      rows.filter((lo) => rank(lo.sev) > rank(hi.sev) && lo.channel < hi.channel && lo.channel > hi.arrived + GRACE).map((lo) => `${lo.sev} ${lo.id} before ${hi.sev} ${hi.id}`),
    );
    expect(inversions).toEqual([]);
    // And it shows: once the burst is spent, every sev1 channel comes before every sev4 one that waited with it.
    const order = [...rows].sort((a, b) => a.channel - b.channel).map((r) => r.sev);
    console.log(`mass outage: channels in order of creation: ${order.join(' ')}`);
  });

  it("does each incident's channel, card, pin and invites before its cosmetic topic, which never holds up an opening", async () => {
    for (const inc of incidents) {
      const ch = inc.slack.channelId!;
      const topic = ok(sim.calls, 'conversations.setTopic').find((c) => c.params.channel === ch)!.at;
      const card = ok(sim.calls, 'chat.postMessage').find((c) => tagOf(c) === `${inc.id}:card`)!.at;
      const pin = ok(sim.calls, 'pins.add').find((c) => c.params.channel === ch)!.at;
      const invite = ok(sim.calls, 'conversations.invite').find((c) => c.params.channel === ch)!.at;
      expect(Math.max(createdAt(sim.calls, inc), card, pin, invite)).toBeLessThan(topic);
    }
    // Under this pressure topics were put off into their own jobs (topic.sync), after the openings.
    const conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('incidents', { connection: conn, prefix: keysOf(b).queuePrefix });
    try {
      const deferred = (await queue.getJobs(['completed'], 0, -1)).filter((j) => j?.name === 'topic.sync');
      console.log(`mass outage: ${deferred.length} of ${N} topics put off into a topic.sync job`);
      expect(deferred.length).toBeGreaterThan(0);
    } finally {
      await queue.close();
      conn.disconnect();
    }
  });

  it('opens within 1.2x the minimum the tiers allow', () => {
    const end = Math.max(...incidents.map((inc) => openingEnd(sim.calls, inc)));
    const ms = end - t0;
    const topics = Math.max(...ok(sim.calls, 'conversations.setTopic').map((c) => c.at)) - t0;
    console.log(`mass outage: ${N} incidents opened in ${ms} ms; the tiers allow ${MINIMUM_MS} ms at best (x${(ms / MINIMUM_MS).toFixed(2)}); the last topic at ${topics} ms`);
    expect(MINIMUM_MS).toBe(12_000);
    expect(ms).toBeLessThanOrEqual(1.2 * MINIMUM_MS);
  });
});

/** Every incident Beacon stored under this test's prefix. */
async function listIncidents(b: TestBeacon): Promise<Incident[]> {
  const keys = keysOf(b);
  const out: Incident[] = [];
  let cursor = '0';
  do {
    const [next, found] = await b.redis.scan(cursor, 'MATCH', `${keys.prefix}:{incident:*}`, 'COUNT', 1000);
    cursor = next;
    for (const k of found.filter((x) => /\}$/.test(x))) {
      const raw = await b.redis.hget(k, 'doc');
      if (raw) out.push(JSON.parse(raw) as Incident);
    }
  } while (cursor !== '0');
  return out;
}

/** When the incident's channel was created. */
function createdAt(calls: RecordedCall[], inc: Incident): number {
  return calls.find((c) => c.ok && c.method === 'conversations.create' && c.params.name === inc.slack.channelName)!.at;
}

/** When the last of an incident's opening calls (channel, card, pin, invites, its messages) was answered. */
function openingEnd(calls: RecordedCall[], inc: Incident): number {
  const ch = inc.slack.channelId!;
  const mine = calls.filter((c) => c.ok && (c.params.channel === ch || (c.method === 'conversations.create' && c.params.name === inc.slack.channelName)));
  return Math.max(...mine.filter((c) => c.method !== 'conversations.setTopic' && c.method !== 'chat.update').map((c) => c.at));
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { freePort } from '../../src/dev/local-redis.js';
import { Keys } from '../../src/keys.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, baseEnv, cleanup, waitFor } from '../support/beacon.js';
import { timelineEvents } from '../support/builders.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';

/**
 * Issue #7: two `web` and two `worker` processes on one Redis, under 100 alerts in 20 groups sent
 * through both webs at once with commands racing them, make exactly 20 channels, and no
 * duplicate card, alerts message or timeline entry.
 */
describe('two webs and two workers on one Redis', () => {
  let sim: SlackSimulator;
  const children: Child[] = [];
  let ports: number[] = [];
  let env: Record<string, string>;
  let redis: Redis;

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    env = baseEnv({ SLACK_API_URL: sim.url, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '8' });
    ports = [await freePort(), await freePort()];
    for (const port of ports) children.push(runEntry('src/web.ts', { ...env, PORT: String(port) }));
    for (let i = 0; i < 2; i++) children.push(runEntry('src/worker.ts', env));
    await Promise.all(children.map((c) => waitForOutput(c, /web listening|worker running/, 30_000)));
    redis = new Redis(env.REDIS_URL!);
  });
  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    if (redis) {
      await cleanup(redis, env.REDIS_KEY_PREFIX!);
      redis.disconnect();
    }
    await sim.stop();
  });

  it('makes exactly 20 channels and nothing twice', async () => {
    const post = (port: number, body: unknown) =>
      fetch(`http://127.0.0.1:${port}/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    const alerts = Array.from({ length: 100 }, (_, i) => ({
      title: `Group ${i % 20} alert ${Math.floor(i / 20)}`,
      service: `svc-${i % 20}`,
      group: `group-${i % 20}`,
      fingerprint: `g${i % 20}-a${Math.floor(i / 20)}`,
      severity: 'high',
    }));
    // Every alert is sent twice, once to each web, all at once: a sender retrying elsewhere.
    const statuses = await Promise.all(alerts.flatMap((a, i) => [post(ports[i % 2]!, a), post(ports[(i + 1) % 2]!, a)]));
    expect(statuses.every((s) => s === 202)).toBe(true);

    const incidentChannels = () => sim.channels().filter((c) => /^inc-\d{8}-group-\d+/.test(c.name));
    await waitFor(() => incidentChannels().length >= 20, { what: '20 channels', timeout: 60_000 });

    // Commands race the alert processing: every channel gets an ack through alternating webs.
    const acks = incidentChannels().map((ch, i) => {
      sim.setRequestUrl(`http://127.0.0.1:${ports[i % 2]}/slack/events`);
      return sim.slashCommand({ text: 'ack', channelId: ch.id, userId: 'U0000003' });
    });
    expect((await Promise.all(acks)).every((r) => r.status === 200)).toBe(true);

    const beaconKeys = new Keys(env.REDIS_KEY_PREFIX!);
    const docOf = async (channelId: string) => {
      const id = await redis.get(beaconKeys.channel(channelId));
      const doc = id ? await redis.hget(beaconKeys.incident(id), 'doc') : null;
      return doc ? { id: id!, ...(JSON.parse(doc) as { status: string; slack: { opened?: boolean } }) } : null;
    };
    await waitFor(
      async () => {
        const docs = await Promise.all(incidentChannels().map((c) => docOf(c.id)));
        return docs.every((d) => d?.slack.opened && d.status === 'acknowledged');
      },
      { what: 'every incident opened and acknowledged', timeout: 60_000 },
    );
    await waitFor(async () => {
      const lens = await Promise.all(['intake', 'incidents'].flatMap((q) => [redis.llen(`${beaconKeys.queuePrefix}:${q}:wait`), redis.llen(`${beaconKeys.queuePrefix}:${q}:active`), redis.zcard(`${beaconKeys.queuePrefix}:${q}:delayed`)]));
      return lens.every((n) => n === 0);
    }, { what: 'queues drained', timeout: 60_000 });

    const channels = incidentChannels();
    expect(channels).toHaveLength(20);
    expect(new Set(channels.map((c) => c.name.replace(/-\d+$/, ''))).size).toBe(20);
    for (const ch of channels) {
      const keys = sim.messages(ch.id).map((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key).filter(Boolean);
      expect(keys.filter((k) => k!.endsWith(':card'))).toHaveLength(1);
      expect(keys.filter((k) => k!.endsWith(':alerts'))).toHaveLength(1);
      expect(sim.channel(ch.id)!.pins).toHaveLength(1);
      const acked = sim.messages(ch.id).filter((m) => /acknowledged the incident/.test(m.text));
      expect(acked).toHaveLength(1);

      const doc = (await docOf(ch.id))!;
      const events = await timelineEvents<{ id: string; kind: string }>(redis, beaconKeys, doc.id);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(events.filter((e) => e.kind === 'alert.firing')).toHaveLength(5);
      expect(events.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
      const alerts = (await redis.hvals(beaconKeys.incidentAlerts(doc.id))).map((s) => JSON.parse(s) as { count: number });
      expect(alerts).toHaveLength(5);
      // The duplicate delivery to the other web was taken once.
      expect(alerts.every((a) => a.count === 1)).toBe(true);
    }
  });
});

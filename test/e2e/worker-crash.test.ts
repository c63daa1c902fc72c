import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { BOT_TOKEN, SIGNING_SECRET, baseEnv, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';

/**
 * Issue #2, "done when" 3: a worker SIGKILLed in the middle of a job, started again, leaves
 * exactly one channel and one card per incident. The simulator applies the Slack effect and then
 * withholds its answer, so the worker dies after Slack made the thing and before Beacon recorded it:
 * the worst moment.
 */
describe('worker killed mid-job', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;
  let env: Record<string, string>;
  const children: Child[] = [];

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    b = await startBeacon({ sim, worker: false });
    env = baseEnv({ SLACK_API_URL: sim.url, REDIS_KEY_PREFIX: b.config.redis.prefix, JOB_LOCK_SECONDS: '2', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await b?.close();
    await sim?.stop();
  });

  const startWorker = async () => {
    const child = runEntry('src/worker.ts', env);
    children.push(child);
    await waitForOutput(child, /worker running/);
    return child;
  };
  const cards = (channelId: string) =>
    sim.messages(channelId).filter((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key?.endsWith(':card'));

  it('after dying between chat.postMessage and recording the card', async () => {
    const first = await startWorker();
    const held = sim.hold('chat.postMessage');
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Card crash test', fingerprint: 'card-crash', group: 'card-crash' }));
    await held.reached;
    await first.kill('SIGKILL');
    held.release();
    const ch = sim.channels().find((c) => c.name.includes('card-crash-test'))!;
    expect(cards(ch.id)).toHaveLength(1); // Slack made it; Beacon never heard back

    const second = await startWorker();
    await waitFor(async () => {
      const id = await b.redis.get(keysOf(b).channel(ch.id));
      if (!id) return false;
      const doc = await b.redis.hget(keysOf(b).incident(id), 'doc');
      return doc && JSON.parse(doc).slack.opened;
    }, { what: 'incident opened by the restarted worker', timeout: 30_000 });
    expect(sim.channels().filter((c) => c.name.includes('card-crash-test'))).toHaveLength(1);
    expect(cards(ch.id)).toHaveLength(1);
    expect(sim.channel(ch.id)!.pins).toEqual([cards(ch.id)[0]!.ts]);
    await second.kill('SIGTERM');
  });

  it('after dying between conversations.create and recording the channel', async () => {
    const first = await startWorker();
    const held = sim.hold('conversations.create');
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Channel crash test', fingerprint: 'chan-crash', group: 'chan-crash' }));
    await held.reached;
    await first.kill('SIGKILL');
    held.release();
    expect(sim.channels().filter((c) => c.name.includes('channel-crash-test'))).toHaveLength(1);

    const second = await startWorker();
    const ch = sim.channels().find((c) => c.name.includes('channel-crash-test'))!;
    await waitFor(() => cards(ch.id).length > 0, { what: 'card in the adopted channel', timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(sim.channels().filter((c) => c.name.includes('channel-crash-test'))).toHaveLength(1);
    expect(cards(ch.id)).toHaveLength(1);
    await second.kill('SIGTERM');
  });
});

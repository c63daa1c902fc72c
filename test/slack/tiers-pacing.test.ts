import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { Keys } from '../../src/keys.js';
import { createLogger } from '../../src/log.js';
import { RetryLater, withPriority } from '../../src/retry-later.js';
import { createSlackGateway } from '../../src/slack/gateway.js';
import { DEFAULT_TIERS, SlackPacer } from '../../src/slack/pacing.js';
import { cleanup, sleep, testRedisUrl, uniquePrefix } from '../support/beacon.js';

/**
 * Issue 15: Beacon paces itself by Slack's tiers with one allowance per method (per channel for
 * chat.postMessage) shared by every worker through Redis, so that it does not fire calls it knows
 * will be refused. A slot near enough is waited for; one further than `maxWaitMs` is not taken
 * and the call throws RetryLater (its job is re-queued); a cosmetic call only takes a free slot.
 */
let redis: Redis;
const prefixes: string[] = [];
const pacer = (over: Partial<ConstructorParameters<typeof SlackPacer>[0]> = {}) => {
  const prefix = uniquePrefix('pace');
  prefixes.push(prefix);
  return { prefix, make: (o: Partial<ConstructorParameters<typeof SlackPacer>[0]> = {}) => new SlackPacer({ redis, keys: new Keys(prefix), ...over, ...o }) };
};

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const p of prefixes) await cleanup(redis, p);
  redis.disconnect();
});

const timed = async (fn: () => Promise<unknown>) => {
  const t = Date.now();
  await fn();
  return Date.now() - t;
};

describe('SlackPacer', () => {
  it("spends Tier 2's burst at once, then one call per interval (×60: 50 ms)", async () => {
    const p = pacer({ scale: 60 }).make();
    const burst = DEFAULT_TIERS[2].burst;
    const t0 = Date.now();
    for (let i = 0; i < burst; i++) await p.take('conversations.create');
    expect(Date.now() - t0).toBeLessThan(500);
    const burstMs = Date.now() - t0;
    for (let i = 0; i < 4; i++) await p.take('conversations.create');
    // Four calls past the burst need four refills of one interval (50 ms) each, counted from the
    // first call: on a loaded machine the burst itself may take a while, so the refills are
    // measured from t0 rather than per call. Timers only ever fire late.
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(4 * 50 - 15);
    expect(elapsed).toBeLessThan(burstMs + 4 * 50 + 400);
    // Another method has its own allowance: no wait.
    expect(await timed(() => p.take('pins.add', 'C1'))).toBeLessThan(100);
  });

  it('is one allowance for every worker: two pacers on the same Redis share it', async () => {
    const shared = pacer({ scale: 60, tiers: { 2: { perMinute: 20, burst: 2 } } });
    const [a, b] = [shared.make(), shared.make()];
    await a.take('conversations.create');
    await b.take('conversations.create');
    // The third call, whichever worker makes it, waits for the refill.
    expect(await timed(() => a.take('conversations.create'))).toBeGreaterThanOrEqual(35);
    expect(await timed(() => b.take('conversations.create'))).toBeGreaterThanOrEqual(35);
  });

  it('beyond maxWaitMs throws RetryLater and keeps the slot for the job, which claims it when it comes back', async () => {
    const p = pacer({ scale: 1, maxWaitMs: 200, tiers: { 2: { perMinute: 20, burst: 1 } } }).make();
    await p.take('conversations.create');
    const ask = (job: string) => withPriority(3, () => p.take('conversations.create'), job).then(() => undefined, (e: unknown) => e as RetryLater);
    // 20 a minute: job a's slot is 3 s away, job b's 6 s; each is told to come back shortly before.
    const a = await ask('job-a');
    const b = await ask('job-b');
    expect(a).toBeInstanceOf(RetryLater);
    expect(a!.delayMs).toBeGreaterThan(2500);
    expect(a!.delayMs).toBeLessThanOrEqual(3000);
    expect(b!.delayMs).toBeGreaterThan(a!.delayMs + 2500);
    // Job a asking again finds its own slot, not one after b's.
    const again = await ask('job-a');
    expect(again!.delayMs).toBeLessThanOrEqual(a!.delayMs);
    // A deferrable call goes only when a slot is free now.
    await p.take('conversations.setTopic', 'C1');
    await expect(p.take('conversations.setTopic', 'C2', { deferrable: true })).rejects.toBeInstanceOf(RetryLater);
  });

  it('keeps a deferred call\'s slot for its channel: the job that comes back then goes', async () => {
    const p = pacer({ scale: 60, tiers: { 2: { perMinute: 20, burst: 1 } } }).make();
    await p.take('conversations.setTopic', 'C1');
    const later = (await p.take('conversations.setTopic', 'C9', { deferrable: true }).catch((e: unknown) => e)) as RetryLater;
    expect(later).toBeInstanceOf(RetryLater);
    expect(later.delayMs).toBeLessThanOrEqual(50);
    await sleep(later.delayMs + 5);
    // Another job (the topic job) for the same channel claims the kept slot.
    await p.take('conversations.setTopic', 'C9', { deferrable: true });
  });

  it('gives a scarce slot to the more urgent work: a sev1 opening goes before the sev4 one that waited', async () => {
    // ×10 with a burst of 1: one slot every 300 ms; waits up to 350 ms in-process.
    const p = pacer({ scale: 10, maxWaitMs: 350, tiers: { 2: { perMinute: 20, burst: 1 } } }).make();
    await p.take('conversations.create');
    const done: string[] = [];
    const t0 = Date.now();
    // The sev4 opening (priority 4) reserves the next slot, 300 ms away, and waits for it.
    const low = withPriority(4, () => p.take('conversations.create')).then(() => done.push(`sev4@${Date.now() - t0}`));
    await sleep(30);
    // The sev1 one (priority 1) would be 600 ms away at the end of the queue: it goes ahead of the sev4 one.
    const high = withPriority(1, () => p.take('conversations.create')).then(() => done.push(`sev1@${Date.now() - t0}`));
    await Promise.all([low, high]);
    expect(done.map((d) => d.split('@')[0])).toEqual(['sev1', 'sev4']);
    // The sev4 one moved one slot later and still went, in-process.
    expect(Number(done[1]!.split('@')[1])).toBeGreaterThanOrEqual(550);
  });

  it('keeps the callers waiting for slots in order of urgency, first come first within one', async () => {
    const p = pacer({ scale: 10, maxWaitMs: 1000, tiers: { 2: { perMinute: 20, burst: 1 } } }).make();
    await p.take('conversations.create');
    const done: string[] = [];
    const ask = (name: string, prio: number) => withPriority(prio, () => p.take('conversations.create')).then(() => done.push(name));
    const waits = [ask('sev4-a', 4)];
    await sleep(20);
    waits.push(ask('sev4-b', 4));
    await sleep(20);
    // It goes ahead of both sev4 ones, who move one slot later each.
    waits.push(ask('sev1', 1));
    await Promise.all(waits);
    expect(done).toEqual(['sev1', 'sev4-a', 'sev4-b']);
  });

  it('never moves ahead of a waiter at least as urgent: a call whose place is too far away is put off', async () => {
    const p = pacer({ scale: 10, maxWaitMs: 350, tiers: { 2: { perMinute: 20, burst: 1 } } }).make();
    await p.take('conversations.create');
    const t0 = Date.now();
    const high = withPriority(1, () => p.take('conversations.create')).then(() => Date.now() - t0);
    await sleep(30);
    // Behind the sev1 waiter: 600 ms away, further than 350 ms.
    await expect(withPriority(4, () => p.take('conversations.create'))).rejects.toBeInstanceOf(RetryLater);
    await expect(withPriority(1, () => p.take('conversations.create'))).rejects.toBeInstanceOf(RetryLater);
    // The first sev1 kept its slot.
    expect(await high).toBeLessThan(450);
  });

  it('per channel for chat.postMessage', async () => {
    const p = pacer({ scale: 1, maxWaitMs: 100, postPerChannel: { perMinute: 60, burst: 2 } }).make();
    await p.take('chat.postMessage', 'CA');
    await p.take('chat.postMessage', 'CA');
    await expect(p.take('chat.postMessage', 'CA')).rejects.toBeInstanceOf(RetryLater);
    await p.take('chat.postMessage', 'CB');
  });

  it('holds every worker back for a Retry-After Slack answered anyway', async () => {
    const p = pacer({ scale: 60 }).make();
    await p.penalize('chat.update', undefined, 300);
    expect(await timed(() => p.take('chat.update'))).toBeGreaterThanOrEqual(250);
  });
});

describe('the gateway, paced, against the simulator in tiers mode', () => {
  let sim: SlackSimulator;
  // ×20: Tier 2 refills one call every 150 ms, wide enough for a loaded host's timer jitter.
  const SCALE = 20;
  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: 'xoxb-pacing', tiers: { scale: SCALE } });
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('three workers creating 30 channels at once: none refused, in about the time Tier 2 allows', async () => {
    const { make } = pacer({ scale: SCALE, maxWaitMs: 5000 });
    const log = createLogger({ level: 'silent', secrets: [] });
    const workers = Array.from({ length: 3 }, () => createSlackGateway({ token: 'xoxb-pacing', apiUrl: sim.url, log, pacer: make() }));
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => workers[i % 3]!.createChannel(`paced-${i}`)));
    const ms = Date.now() - t0;
    const creates = sim.callsTo('conversations.create');
    expect(creates.filter((c) => c.status === 429)).toEqual([]);
    expect(creates).toHaveLength(30);
    expect(sim.channels().filter((c) => c.name.startsWith('paced-'))).toHaveLength(30);
    // Slack's Tier 2 ×20 (400 a minute, a burst of 20) allows 30 in (30 - 20) x 150 ms = 1.5 s;
    // Beacon's burst is 18: (30 - 18) x 150 ms = 1.8 s.
    expect(ms).toBeGreaterThanOrEqual(1700);
    expect(ms).toBeLessThan(1800 * 1.5);
  });
});

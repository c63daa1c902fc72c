import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TtlCache } from '../../src/insights/cache.js';
import { loadInsights, timelinesOf } from '../../src/insights/load.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Keys } from '../../src/keys.js';
import { TimelineStore } from '../../src/timeline/store.js';
import { testRedisUrl, uniquePrefix } from '../support/beacon.js';
import { event, HOUR, incident, iso, MIN } from './seed.js';

/** Issue 14, Insights: what the page reads from Redis, and how often. */

const NOW = new Date('2025-03-12T12:00:00Z');
const MONDAY = Date.parse('2025-03-10T00:00:00Z');
let redis: Redis;
let keys: Keys;
let store: IncidentStore;
let timeline: TimelineStore;

beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  keys = new Keys(uniquePrefix('insights-load'));
  store = new IncidentStore(redis, keys);
  timeline = new TimelineStore(redis, keys);
  for (let i = 0; i < 40; i++) {
    const start = MONDAY - (i % 4) * 7 * 24 * HOUR + i * MIN;
    const inc = incident({ id: `load-${i}`, detectedAt: iso(start), createdAt: iso(start + MIN), status: 'resolved', service: `svc-${i % 3}` });
    await store.create(inc);
    await timeline.append(inc.id, event('acknowledged', start + 5 * MIN));
    await timeline.append(inc.id, event('resolved', start + HOUR));
  }
  // A storm: 500 alert entries and a note mentioning "resolved" in its text, then the acknowledgement.
  const storm = incident({ id: 'load-storm', detectedAt: iso(MONDAY + HOUR), status: 'acknowledged' });
  await store.create(storm);
  for (let i = 0; i < 500; i++) await timeline.append(storm.id, event('alert.firing', MONDAY + HOUR + i * 1000, { text: `pod-${i} firing` }));
  await timeline.append(storm.id, event('note', MONDAY + HOUR, { text: 'not "kind":"resolved" yet' }));
  await timeline.append(storm.id, event('acknowledged', MONDAY + HOUR + 7 * MIN));
  // A damaged entry is skipped, not fatal.
  await redis.xadd(keys.timeline(storm.id), '*', 'e', '{not json');
  // Before the window: never read.
  await store.create(incident({ id: 'load-old', detectedAt: '2024-06-01T00:00:00Z', status: 'resolved' }));
  // A drill still running: not scored yet.
  await store.create(incident({ id: 'load-drill', detectedAt: iso(MONDAY), status: 'acknowledged', drill: { scenario: 'x', startedAt: iso(MONDAY), speed: 1 } }));
});

afterAll(async () => {
  await redis.quit();
});

describe('loading the figures', () => {
  it('reads the documents and every timeline in two pipelines, never one command per incident', async () => {
    const pipeline = vi.spyOn(redis, 'pipeline');
    const xrange = vi.spyOn(redis, 'xrange');
    const get = vi.spyOn(store, 'get');
    try {
      const ins = await loadInsights({ incidents: store, redis, keys, now: () => NOW }, 4);
      expect(pipeline).toHaveBeenCalledTimes(2);
      expect(xrange).not.toHaveBeenCalled();
      expect(get).not.toHaveBeenCalled();
      expect(ins.total).toBe(41);
      expect(ins.weeks.map((w) => w.total)).toEqual([10, 10, 10, 11]);
      // The storm counts with its acknowledgement (7 min); its note did not resolve it.
      const current = ins.weeks.at(-1)!;
      expect(current.times.acknowledge.n).toBe(11);
      expect(current.times.resolve.n).toBe(10);
      expect(ins.drills).toEqual([]);
    } finally {
      pipeline.mockRestore();
      xrange.mockRestore();
      get.mockRestore();
    }
  });

  it('parses only the milestones of a real incident’s timeline, and skips a damaged entry', async () => {
    const storm = (await store.getMany(['load-storm']))[0]!;
    const [rec] = await timelinesOf(redis, keys, [storm]);
    expect(rec!.timeline.map((e) => e.kind)).toEqual(['acknowledged']);
    const [whole] = await timelinesOf(redis, keys, [{ ...storm, drill: { scenario: 'x', startedAt: storm.detectedAt, speed: 1 } }]);
    expect(whole!.timeline).toHaveLength(502);
  });
});

describe('the figures cache', () => {
  it('computes once per key while fresh, shares a computation in flight, and forgets failures', async () => {
    let t = 0;
    const cache = new TtlCache<number, string>(30_000, () => t);
    let runs = 0;
    const compute = async () => `v${++runs}`;
    const [a, b] = await Promise.all([cache.get(12, compute), cache.get(12, compute)]);
    expect([a, b, runs]).toEqual(['v1', 'v1', 1]);
    t = 29_999;
    expect(await cache.get(12, compute)).toBe('v1');
    expect(await cache.get(26, compute)).toBe('v2');
    t = 30_000;
    expect(await cache.get(12, compute)).toBe('v3');
    await expect(cache.get(4, () => Promise.reject(new Error('redis away')))).rejects.toThrow('redis away');
    expect(await cache.get(4, compute)).toBe('v4');
  });

  it('answers a stale value at once while one refresh runs, then the refreshed one', async () => {
    let t = 0;
    const cache = new TtlCache<number, string>(30_000, () => t, 60_000);
    let runs = 0;
    let release: () => void = () => {};
    const slow = () => new Promise<string>((ok) => (release = () => ok(`v${++runs}`)));
    const first = cache.get(12, slow);
    release();
    expect(await first).toBe('v1');
    t = 45_000;
    expect(await cache.get(12, slow)).toBe('v1'); // stale, a refresh started
    expect(await cache.get(12, slow)).toBe('v1'); // still the one refresh
    release();
    await new Promise((r) => setImmediate(r));
    expect(await cache.get(12, slow)).toBe('v2');
    expect(runs).toBe(2);
    // A failed refresh keeps the old value until it is too old, then the viewer waits.
    t = 80_000;
    expect(await cache.get(12, () => Promise.reject(new Error('away')))).toBe('v2');
    await new Promise((r) => setImmediate(r));
    t = 45_000 + 90_000;
    expect(await cache.get(12, async () => 'v3')).toBe('v3');
  });
});

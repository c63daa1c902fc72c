import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDeclaredIncident, type Incident } from '../../src/incidents/model.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Keys } from '../../src/keys.js';
import { MAX_PUBLIC_UPDATES, STATUS_RETENTION_MS, type PublicUpdate } from '../../src/status/model.js';
import { readStatus } from '../../src/status/page.js';
import { StatusStore } from '../../src/status/store.js';
import { cleanup, testRedisUrl, uniquePrefix } from '../support/beacon.js';

let redis: Redis;
let keys: Keys;
let status: StatusStore;
let incidents: IncidentStore;
let n = 0;

const T0 = new Date('2026-06-03T08:30:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const upd = (min: number, text: string, status: PublicUpdate['status'] = 'triggered'): PublicUpdate => ({ id: `command:${text}`, at: at(min).toISOString(), text, status });

async function incident(over: Partial<Incident> = {}): Promise<Incident> {
  n++;
  const i = { ...newDeclaredIncident(`st-${n}`, n, { title: `Incident ${n}`, severity: 'sev2', service: `svc-${n}`, declaredBy: 'U0000001' }, T0), ...over };
  expect(await incidents.create(i)).toBe(true);
  return (await incidents.get(i.id))!;
}

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  keys = new Keys(uniquePrefix('status'));
  status = new StatusStore(redis, keys);
  incidents = new IncidentStore(redis, keys);
});

afterAll(async () => {
  await cleanup(redis, keys.prefix);
  redis.disconnect();
});

const src = () => ({ status, incidents });

describe('StatusStore', () => {
  it('records each public update once per source id, in order, and indexes the incident by its latest', async () => {
    const a = await incident();
    const b = await incident();
    expect(await status.record(a.id, upd(1, 'a1'))).toBe(true);
    expect(await status.record(b.id, upd(2, 'b1'))).toBe(true);
    expect(await status.record(a.id, upd(3, 'a2', 'acknowledged'))).toBe(true);
    // A Slack retry of the first delivery: nothing twice, and the index does not move back.
    expect(await status.record(a.id, { ...upd(1, 'a1'), at: at(0).toISOString() })).toBe(false);
    const all = await status.updates([a.id, b.id, 'st-none']);
    expect(all.get(a.id)!.map((u) => [u.text, u.status])).toEqual([
      ['a1', 'triggered'],
      ['a2', 'acknowledged'],
    ]);
    expect(all.get(b.id)!.map((u) => u.text)).toEqual(['b1']);
    expect(all.get('st-none')).toEqual([]);
    expect(await status.indexed()).toEqual([a.id, b.id]);
    expect(await redis.zscore(keys.statusIncidents(), a.id)).toBe(String(at(3).getTime()));
    // Both keys of an incident share its hash tag (one Redis Cluster slot).
    expect(keys.statusUpdates(a.id)).toContain(`{incident:${a.id}}`);
    expect(keys.statusUpdateIds(a.id)).toContain(`{incident:${a.id}}`);
  });

  it('keeps the newest updates when an incident has very many', async () => {
    const i = await incident();
    for (let k = 0; k < MAX_PUBLIC_UPDATES + 5; k++) await status.record(i.id, { id: `command:many-${k}`, at: at(k).toISOString(), text: `u${k}`, status: 'triggered' });
    const kept = (await status.updates([i.id])).get(i.id)!;
    expect(kept).toHaveLength(MAX_PUBLIC_UPDATES);
    expect(kept[0]!.text).toBe('u5');
    expect(kept.at(-1)!.text).toBe(`u${MAX_PUBLIC_UPDATES + 4}`);
  });
});

describe('readStatus', () => {
  it('reads the incident as it is now: a resolve after the public update shows as resolved', async () => {
    const i = await incident({ title: 'Card payments failing' });
    await status.record(i.id, upd(10, 'Investigating card payment failures'));
    let page = await readStatus(src(), at(11));
    expect(page.services.find((s) => s.name === i.service)!.incidents[0]).toMatchObject({ state: 'investigating', title: 'Card payments failing' });
    await incidents.patch(i.id, (cur) => ({ ...cur, status: 'resolved', resolvedAt: at(20).toISOString() }));
    page = await readStatus(src(), at(21));
    const shown = page.services.find((s) => s.name === i.service)!;
    expect(shown.health).toBe('operational');
    expect(shown.incidents[0]).toMatchObject({ state: 'resolved', resolvedAt: at(20).toISOString() });
    // Its update keeps the state it was written in.
    expect(shown.incidents[0]!.updates[0]!.state).toBe('investigating');
  });

  it('drops an incident 7 days after it was resolved, and trims it from the index', async () => {
    const i = await incident({ status: 'resolved', resolvedAt: at(30).toISOString() });
    await status.record(i.id, upd(25, 'Resolved: payments flow again', 'mitigated'));
    const last = new Date(at(30).getTime() + STATUS_RETENTION_MS - 60_000);
    expect((await readStatus(src(), last)).services.map((s) => s.name)).toContain(i.service);
    expect(await status.indexed()).toContain(i.id);
    const gone = new Date(at(30).getTime() + STATUS_RETENTION_MS);
    expect((await readStatus(src(), gone)).services.map((s) => s.name)).not.toContain(i.service);
    expect(await status.indexed()).not.toContain(i.id);
    // Its updates are let go later, not at once: a new public update after a reopen brings them back.
    expect(await redis.pttl(keys.statusUpdates(i.id))).toBeGreaterThan(0);
    await status.record(i.id, upd(60 * 24 * 8, 'Back again'));
    expect(await redis.pttl(keys.statusUpdates(i.id))).toBe(-1);
    expect((await status.updates([i.id])).get(i.id)!.map((u) => u.text)).toEqual(['Resolved: payments flow again', 'Back again']);
  });

  it('never shows an incident that became private or is a drill, whatever the index says', async () => {
    const i = await incident({ title: 'Leaked credentials' });
    await status.record(i.id, upd(1, 'Looking into it'));
    expect((await readStatus(src(), at(2))).services.map((s) => s.name)).toContain(i.service);
    await incidents.patch(i.id, (cur) => ({ ...cur, private: true }));
    const drill = await incident({ drill: { scenario: 'checkout-credentials', startedAt: T0.toISOString(), speed: 1 } });
    await status.record(drill.id, upd(1, 'Drill text'));
    const page = await readStatus(src(), at(3));
    expect(JSON.stringify(page)).not.toMatch(/Leaked credentials|Looking into it|Drill text/);
    expect(await status.indexed()).not.toContain(i.id);
    expect(await status.indexed()).not.toContain(drill.id);
  });
});

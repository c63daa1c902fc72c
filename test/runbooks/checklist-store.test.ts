import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/keys.js';
import { ChecklistStore } from '../../src/runbooks/checklist-store.js';
import { cleanup, testRedisUrl, uniquePrefix } from '../support/beacon.js';

let redis: Redis;
let keys: Keys;
let store: ChecklistStore;
let n = 0;
const incident = () => `inc-${++n}`;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  keys = new Keys(uniquePrefix('checklist'));
  store = new ChecklistStore(redis, keys);
});

afterAll(async () => {
  await cleanup(redis, keys.prefix);
  redis.disconnect();
});

const T = (min: number) => new Date(Date.UTC(2024, 5, 3, 8, 30 + min));

describe('ChecklistStore', () => {
  it('attaches runbooks once each, the matched one first', async () => {
    const id = incident();
    expect(await store.attach(id, 'checkout-payments')).toEqual({ attached: true, runbooks: ['checkout-payments'] });
    expect(await store.attach(id, 'database')).toEqual({ attached: true, runbooks: ['checkout-payments', 'database'] });
    // A redelivered open job, or `/incident runbook database` typed twice.
    expect(await store.attach(id, 'checkout-payments', { first: true })).toEqual({ attached: false, runbooks: ['checkout-payments', 'database'] });
    expect(await store.attach(id, 'database')).toMatchObject({ attached: false });
    // The matched runbook attached after one typed by hand still goes first.
    expect(await store.attach(id, 'default', { first: true })).toEqual({ attached: true, runbooks: ['default', 'checkout-payments', 'database'] });
    expect(await store.runbooks(id)).toEqual(['default', 'checkout-payments', 'database']);
    await expect(store.attach(id, 'Not A Name')).rejects.toThrow(/not a runbook name/);
  });

  it('records a tick with who and when, once per source id', async () => {
    const id = incident();
    await store.attach(id, 'checkout-payments');
    expect(await store.setTick(id, 'checkout-payments', 's1', true, 'U0000001', T(12), 'evt-1')).toEqual({ changed: true, duplicate: false });
    // Slack retried the same action.
    expect(await store.setTick(id, 'checkout-payments', 's1', true, 'U0000001', T(12), 'evt-1')).toEqual({ changed: false, duplicate: true });
    // Someone else ticks the already ticked step from a stale view: nothing changes, the first ticker stays.
    expect(await store.setTick(id, 'checkout-payments', 's1', true, 'U0000002', T(13), 'evt-2')).toEqual({ changed: false, duplicate: false });
    const s = await store.stateOf(id, 'checkout-payments');
    expect(s.ticks).toEqual({ s1: { done: true, by: 'U0000001', at: T(12).toISOString() } });
  });

  it('unticks, and ignores a tick older than the stored one', async () => {
    const id = incident();
    await store.setTick(id, 'rb', 's2', true, 'U0000001', T(1), 'a');
    expect((await store.setTick(id, 'rb', 's2', false, 'U0000002', T(5), 'b')).changed).toBe(true);
    expect((await store.stateOf(id, 'rb')).ticks.s2).toEqual({ done: false, by: 'U0000002', at: T(5).toISOString() });
    // A redelivered job carrying the tick of minute 3 arrives late: the untick of minute 5 stands.
    expect((await store.setTick(id, 'rb', 's2', true, 'U0000003', T(3), 'c')).changed).toBe(false);
    expect((await store.stateOf(id, 'rb')).ticks.s2?.done).toBe(false);
    // Unticking a step nobody ticked changes nothing.
    expect((await store.setTick(id, 'rb', 's9', false, 'U0000001', T(6), 'd')).changed).toBe(false);
    expect((await store.stateOf(id, 'rb')).ticks.s9).toBeUndefined();
  });

  it('scopes source ids to the step, so one action may tick two steps', async () => {
    const id = incident();
    expect((await store.setTick(id, 'rb', 's1', true, 'U0000001', T(1), 'action-1')).changed).toBe(true);
    expect((await store.setTick(id, 'rb', 's2', true, 'U0000001', T(1), 'action-1')).changed).toBe(true);
  });

  it('records concurrent double deliveries once', async () => {
    const id = incident();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.setTick(id, 'rb', 's3', true, 'U0000001', T(2), 'same-delivery')),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.filter((r) => r.duplicate)).toHaveLength(19);
  });

  it('keeps the latest check result per step', async () => {
    const id = incident();
    await store.attach(id, 'checkout-payments');
    const fail = { status: 'fail' as const, summary: 'credentials rejected (HTTP 401)', httpStatus: 401, latencyMs: 84, details: ['GET x'] };
    expect(await store.setCheckResult(id, 'checkout-payments', 's1', fail, T(1))).toEqual({ changed: true });
    const pass = { status: 'pass' as const, summary: 'HTTP 200 in 80 ms', httpStatus: 200, latencyMs: 80 };
    expect(await store.setCheckResult(id, 'checkout-payments', 's1', pass, T(30))).toEqual({ changed: true });
    // An older run finishing late does not overwrite the newer result.
    expect(await store.setCheckResult(id, 'checkout-payments', 's1', fail, T(20))).toEqual({ changed: false });
    const s = await store.stateOf(id, 'checkout-payments');
    expect(s.checks).toEqual({ s1: { ...pass, at: T(30).toISOString() } });
    await expect(store.setCheckResult(id, 'checkout-payments', 's1', { status: 'odd' as never, summary: '' }, T(31))).rejects.toThrow();
  });

  it('returns the whole state per runbook, with the checklist messages', async () => {
    const id = incident();
    await store.attach(id, 'checkout-payments', { first: true });
    await store.attach(id, 'database');
    await store.setTick(id, 'checkout-payments', 's1', true, 'U0000001', T(1), 'x');
    await store.setTick(id, 'database', 's4', true, 'U0000002', T(2), 'y');
    await store.setCheckResult(id, 'database', 's1', { status: 'error', summary: 'no service' }, T(3));
    await store.setMessage(id, 'checkout-payments', { channel: 'C123', ts: '1717403400.000100' });
    const state = await store.state(id);
    expect(state).toEqual({
      runbooks: ['checkout-payments', 'database'],
      byRunbook: {
        'checkout-payments': {
          ticks: { s1: { done: true, by: 'U0000001', at: T(1).toISOString() } },
          checks: {},
          message: { channel: 'C123', ts: '1717403400.000100' },
        },
        database: {
          ticks: { s4: { done: true, by: 'U0000002', at: T(2).toISOString() } },
          checks: { s1: { status: 'error', summary: 'no service', at: T(3).toISOString() } },
        },
      },
    });
    expect(await store.state(incident())).toEqual({ runbooks: [], byRunbook: {} });
    expect(await store.stateOf(id, 'nothing-here')).toEqual({ ticks: {}, checks: {} });
  });

  it('keeps every key of an incident under its hash tag', async () => {
    const id = incident();
    await store.attach(id, 'rb');
    await store.setTick(id, 'rb', 's1', true, 'U0000001', T(1), 'z');
    const found = await redis.keys(`${keys.prefix}:*${id}*`);
    expect(found.length).toBe(2);
    for (const k of found) expect(k).toContain(`{incident:${id}}`);
  });

  it('refuses malformed step ids and missing source ids', async () => {
    const id = incident();
    await expect(store.setTick(id, 'rb', 'step:1', true, 'U1', T(1), 'x')).rejects.toThrow(/step id/);
    await expect(store.setTick(id, 'rb', 's1', true, 'U1', T(1), '')).rejects.toThrow(/sourceId/);
  });
});

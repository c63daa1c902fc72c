import { describe, expect, it } from 'vitest';
import { drillSpeed, dueAt, nextBatch, occursAt, schedule } from '../../src/drills/clock.js';
import { loadScenarios } from '../../src/drills/load.js';

/** Issue 13, drills: a scenario's events on its own clock, relative to the start, with a speed factor. */

const seed = loadScenarios('drills').scenarios.find((s) => s.name === 'checkout-credentials')!;
const start = new Date('2025-03-10T09:00:00Z');
const MIN = 60_000;
const plus = (ms: number) => new Date(start.getTime() + ms);

describe('the drill clock', () => {
  it('plays the seed in real time: the rotation dated 12 minutes before, due at the start; hints when due', () => {
    const run = schedule(seed.events, { startedAt: start, speed: 1 });
    expect(run.map((s) => [s.event.kind, s.occursAt.toISOString(), s.dueAt.toISOString()])).toEqual([
      ['change', plus(-12 * MIN).toISOString(), start.toISOString()],
      ['alert', start.toISOString(), start.toISOString()],
      ['hint', plus(15 * MIN).toISOString(), plus(15 * MIN).toISOString()],
      ['hint', plus(75 * MIN).toISOString(), plus(75 * MIN).toISOString()],
    ]);
  });

  it('runs faster with a speed factor, past events included', () => {
    const clock = { startedAt: start, speed: 60 };
    const [change, , hint] = seed.events;
    expect(occursAt(change!, clock)).toEqual(plus(-12_000));
    expect(dueAt(change!, clock)).toEqual(start);
    expect(dueAt(hint!, clock)).toEqual(plus(15_000));
  });

  it('hands out one batch at a time: everything due, then the wait for the next', () => {
    const clock = { startedAt: start, speed: 1 };
    const first = nextBatch(seed.events, clock, 0, start);
    expect(first.due.map((s) => s.event.index)).toEqual([0, 1]);
    expect(first.next).toEqual({ index: 2, delayMs: 15 * MIN });

    const second = nextBatch(seed.events, clock, 2, plus(15 * MIN + 40));
    expect(second.due.map((s) => s.event.index)).toEqual([2]);
    expect(second.next).toEqual({ index: 3, delayMs: 60 * MIN - 40 });

    // A job that ran late catches up, in order, and then there is nothing left to wait for.
    const late = nextBatch(seed.events, clock, 2, plus(3 * 3600_000));
    expect(late.due.map((s) => s.event.index)).toEqual([2, 3]);
    expect(late.next).toBeUndefined();
  });

  it('takes DRILL_SPEED over the scenario speed, within bounds', () => {
    expect(drillSpeed(undefined, undefined)).toBe(1);
    expect(drillSpeed(5, undefined)).toBe(5);
    expect(drillSpeed(5, 120)).toBe(120);
    expect(drillSpeed(undefined, 1e9)).toBe(3600);
  });
});

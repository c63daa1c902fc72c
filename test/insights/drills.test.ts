import { describe, expect, it } from 'vitest';
import { scoreLine } from '../../src/drills/service.js';
import { scorecard } from '../../src/drills/scorecard.js';
import { loadScenarios } from '../../src/drills/load.js';
import { causeFromScoreLine, drillPoint, wordsMs } from '../../src/insights/drills.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import { event, HOUR, incident, iso, MIN } from './seed.js';

/** Issue 14, Insights: a resolved drill as a point of the scorecard chart. */

const seed = loadScenarios('drills', loadRunbooks('runbooks').runbooks).scenarios.find((s) => s.name === 'checkout-credentials')!;
const t0 = Date.parse('2025-01-07T09:00:00Z');

function drill(speed: number, over = {}) {
  return incident({
    detectedAt: iso(t0),
    status: 'resolved',
    acknowledgedAt: iso(t0 + 30_000),
    resolvedAt: iso(t0 + 9 * MIN),
    drill: { scenario: seed.name, startedAt: iso(t0), speed },
    ...over,
  });
}

describe('drill points', () => {
  it('are in scenario time: a drill played ten times faster compares minute for minute', () => {
    const tick = event('checklist.tick', t0 + 6 * MIN, { data: { runbook: seed.runbook, stepId: seed.rootCause.stepId } });
    const p = drillPoint(drill(10), [tick], seed)!;
    expect([p.acknowledgeMs, p.causeMs, p.resolveMs]).toEqual([5 * MIN, 60 * MIN, 90 * MIN]);
    expect(p).toMatchObject({ scenario: 'checkout-credentials', title: seed.title, speed: 10, causeFound: true });
  });

  it('read the time to the root cause from the scorecard entry when the scenario is no longer loaded', () => {
    const inc = drill(10);
    const tick = event('checklist.tick', t0 + 6 * MIN, { data: { runbook: seed.runbook, stepId: seed.rootCause.stepId } });
    // The entry the drill service wrote when the drill was resolved, in its own words.
    const entry = event('scorecard', t0 + 10 * MIN, { text: scoreLine(scorecard(inc, [tick], seed)) });
    const p = drillPoint(inc, [tick, entry], undefined)!;
    expect([p.acknowledgeMs, p.causeMs, p.resolveMs]).toEqual([5 * MIN, 60 * MIN, 90 * MIN]);
    expect(p.causeFound).toBe(true);
    expect(p.reference).toEqual({});
  });

  it('say the cause was not found when the scorecard says so, and leave running drills and real incidents out', () => {
    const notFound = event('scorecard', t0, { text: 'acknowledged after 5 min (reference 5 min); root cause not found (reference 1 h 30 min); resolved after 1 h (reference 1 h 45 min); 0 steps ticked before the cause (reference 2 misleading paths)' });
    expect(causeFromScoreLine([notFound])).toBeUndefined();
    expect(drillPoint(drill(1), [notFound], undefined)!.causeFound).toBe(false);
    expect(drillPoint(drill(1, { status: 'acknowledged' }), [], seed)).toBeUndefined();
    expect(drillPoint(incident({ detectedAt: iso(t0), status: 'resolved' }), [], seed)).toBeUndefined();
  });

  it('parse durations written in words', () => {
    expect(wordsMs('1 h 45 min')).toBe(HOUR + 45 * MIN);
    expect(wordsMs('2 d 3 h')).toBe(2 * 24 * HOUR + 3 * HOUR);
    expect(wordsMs('30 s')).toBe(30_000);
    expect(wordsMs('soon')).toBeUndefined();
  });
});

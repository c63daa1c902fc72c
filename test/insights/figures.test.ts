import { describe, expect, it } from 'vitest';
import { loadScenarios } from '../../src/drills/load.js';
import { factsOf, milestonesOf } from '../../src/insights/facts.js';
import { insightsOf, rank, spread } from '../../src/insights/figures.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import { event, HOUR, incident, iso, MIN } from './seed.js';

/** Issue 14, Insights: the pure figures behind the charts. */

const NOW = new Date('2025-01-08T15:00:00Z');
const T = (s: string) => Date.parse(s);

describe('median and p90', () => {
  it('match values computed by hand (linear between the closest ranks)', () => {
    // 1..10 minutes: median (5 + 6) / 2 = 5.5; p90 at rank 0.9 * 9 = 8.1, so 9 + 0.1 * (10 - 9) = 9.1.
    const s = spread([10, 3, 7, 1, 9, 2, 8, 4, 6, 5].map((m) => m * MIN));
    expect(s).toEqual({ n: 10, median: 5.5 * MIN, p90: 9.1 * MIN });
    // 4, 1, 10 minutes: sorted 1, 4, 10; median 4; p90 at rank 1.8: 4 + 0.8 * (10 - 4) = 8.8.
    expect(spread([4 * MIN, 1 * MIN, 10 * MIN])).toEqual({ n: 3, median: 4 * MIN, p90: 8.8 * MIN });
    expect(spread([7 * MIN])).toEqual({ n: 1, median: 7 * MIN, p90: 7 * MIN });
    expect(spread([])).toEqual({ n: 0 });
  });

  it('are per week of the real start, over the incidents that reached the milestone', () => {
    const monday = T('2025-01-06T09:00:00Z');
    const records = [3, 9, 30].map((m, i) => {
      const inc = incident({ detectedAt: iso(monday + i * HOUR), status: 'resolved', severity: 'sev3' });
      return { incident: inc, timeline: [event('acknowledged', monday + i * HOUR + m * MIN), event('resolved', monday + i * HOUR + 2 * m * MIN)] };
    });
    records.push({ incident: incident({ detectedAt: iso(monday), status: 'triggered' }), timeline: [] });
    const week = insightsOf(records, { now: NOW, weeks: 4 }).weeks.at(-1)!;
    expect(week.label).toBe('2025-W02');
    expect(week.total).toBe(4);
    // 3, 9, 30: median 9, p90 at rank 1.8: 9 + 0.8 * 21 = 25.8.
    expect(week.times.acknowledge).toEqual({ n: 3, median: 9 * MIN, p90: 25.8 * MIN });
    expect(week.times.resolve).toEqual({ n: 3, median: 18 * MIN, p90: 51.6 * MIN });
    expect(week.times.mitigate).toEqual({ n: 0 });
  });
});

describe('times of an incident', () => {
  it('run from the alert’s own start (detectedAt), not from when Beacon received it', () => {
    const inc = incident({ detectedAt: '2025-01-06T10:00:00Z', createdAt: '2025-01-06T10:05:00Z', status: 'resolved', acknowledgedAt: '2025-01-06T10:20:00Z', resolvedAt: '2025-01-06T11:30:00Z' });
    const timeline = [event('acknowledged', T('2025-01-06T10:12:00Z')), event('mitigated', T('2025-01-06T10:40:00Z')), event('resolved', T('2025-01-06T11:00:00Z'))];
    // The timeline's times win over the document's: acknowledged 12 min after the alert began (7 after receipt).
    expect(factsOf(inc, timeline)).toMatchObject({ toAcknowledgeMs: 12 * MIN, toMitigateMs: 40 * MIN, toResolveMs: 60 * MIN });
  });

  it('fall back to the document only when the timeline lacks the event', () => {
    // Resolved straight from triggered: the acknowledgement is implied, in the document alone.
    const inc = incident({ detectedAt: '2025-01-06T10:00:00Z', status: 'resolved', acknowledgedAt: '2025-01-06T10:45:00Z', resolvedAt: '2025-01-06T10:45:00Z' });
    const f = factsOf(inc, [event('resolved', T('2025-01-06T10:45:00Z'))]);
    expect(f).toMatchObject({ toAcknowledgeMs: 45 * MIN, toResolveMs: 45 * MIN });
    expect(f.toMitigateMs).toBeUndefined();
  });

  it('count the first acknowledgement and the last resolve of a reopened incident, and no resolve while it is open again', () => {
    const t0 = T('2025-01-06T10:00:00Z');
    const timeline = [event('acknowledged', t0 + 5 * MIN), event('resolved', t0 + 20 * MIN), event('reopened', t0 + 30 * MIN), event('acknowledged', t0 + 31 * MIN), event('resolved', t0 + 50 * MIN)];
    expect(milestonesOf(timeline)).toEqual({ acknowledged: iso(t0 + 5 * MIN), resolved: iso(t0 + 50 * MIN) });
    expect(factsOf(incident({ detectedAt: iso(t0), status: 'resolved' }), timeline).toResolveMs).toBe(50 * MIN);
    expect(factsOf(incident({ detectedAt: iso(t0), status: 'acknowledged' }), timeline.slice(0, 4)).toResolveMs).toBeUndefined();
  });
});

describe('the weeks of the window', () => {
  it('bucket incidents by the ISO week of their start, across the year boundary', () => {
    const at = ['2024-12-29T23:30:00Z', '2024-12-30T00:10:00Z', '2025-01-01T08:00:00Z', '2025-01-08T09:00:00Z', '2024-12-01T00:00:00Z'];
    const records = at.map((d, i) => ({ incident: incident({ detectedAt: d, severity: i === 2 ? 'sev1' : 'sev3' }), timeline: [] }));
    const ins = insightsOf(records, { now: NOW, weeks: 4 });
    expect(ins.weeks.map((w) => [w.label, w.total])).toEqual([
      ['2024-W51', 0],
      ['2024-W52', 1],
      ['2025-W01', 2],
      ['2025-W02', 1],
    ]);
    expect(ins.weeks[2]!.bySeverity).toEqual({ sev1: 1, sev2: 0, sev3: 1, sev4: 0 });
    // December 1 is before the window.
    expect(ins.total).toBe(4);
    expect(ins.from).toBe(T('2024-12-16T00:00:00Z'));
  });
});

describe('drills and private incidents', () => {
  const seed = loadScenarios('drills', loadRunbooks('runbooks').runbooks).scenarios.find((s) => s.name === 'checkout-credentials')!;
  const t0 = T('2025-01-07T09:00:00Z');

  it('leave drills out of the incident figures and score them apart', () => {
    const real = incident({ detectedAt: iso(t0), service: 'checkout', status: 'resolved' });
    const drill = incident({
      detectedAt: iso(t0),
      severity: 'sev1',
      service: 'checkout',
      status: 'resolved',
      acknowledgedAt: iso(t0 + 4 * MIN),
      resolvedAt: iso(t0 + 40 * MIN),
      drill: { scenario: seed.name, startedAt: iso(t0), speed: 1 },
    });
    const tick = event('checklist.tick', t0 + 25 * MIN, { data: { runbook: seed.runbook, stepId: seed.rootCause.stepId } });
    const ins = insightsOf(
      [
        { incident: real, timeline: [event('resolved', t0 + HOUR)] },
        { incident: drill, timeline: [event('acknowledged', t0 + 4 * MIN), tick, event('resolved', t0 + 40 * MIN)] },
      ],
      { now: NOW, weeks: 4, scenario: (name) => (name === seed.name ? seed : undefined) },
    );
    expect(ins.total).toBe(1);
    expect(ins.weeks.at(-1)!.bySeverity.sev1).toBe(0);
    expect(ins.weeks.at(-1)!.times.resolve).toEqual({ n: 1, median: HOUR, p90: HOUR });
    expect(ins.topServices).toEqual([{ name: 'checkout', count: 1 }]);
    expect(ins.drills).toHaveLength(1);
    expect(ins.drills[0]).toMatchObject({
      scenario: 'checkout-credentials',
      acknowledgeMs: 4 * MIN,
      causeMs: 25 * MIN,
      causeFound: true,
      resolveMs: 40 * MIN,
      reference: { acknowledgeMs: 5 * MIN, causeMs: 90 * MIN, resolveMs: 105 * MIN },
    });
  });

  it('count private incidents in the weeks and times but never name their service or group', () => {
    const secret = incident({ detectedAt: iso(t0), private: true, service: 'secret-merger', group: 'alertmanager:secret-merger', title: 'Acquisition talks leak', status: 'resolved' });
    const open = incident({ detectedAt: iso(t0 + HOUR), service: 'search', group: 'alertmanager:search' });
    const ins = insightsOf(
      [
        { incident: secret, timeline: [event('acknowledged', t0 + 6 * MIN), event('resolved', t0 + 2 * HOUR)] },
        { incident: open, timeline: [] },
      ],
      { now: NOW, weeks: 4 },
    );
    expect(ins.total).toBe(2);
    expect(ins.private).toBe(1);
    expect(ins.weeks.at(-1)!.times.acknowledge).toEqual({ n: 1, median: 6 * MIN, p90: 6 * MIN });
    expect(ins.topServices).toEqual([{ name: 'search', count: 1 }]);
    expect(ins.topGroups).toEqual([{ name: 'alertmanager:search', count: 1 }]);
    expect(JSON.stringify(ins)).not.toMatch(/secret|Acquisition/);
  });

  it('rank services most first, ties by name, and leave declared incidents out of the alert groups', () => {
    expect(rank(['b', 'a', 'b', 'c', 'a', 'b'], 2)).toEqual([
      { name: 'b', count: 3 },
      { name: 'a', count: 2 },
    ]);
    const declared = incident({ detectedAt: iso(t0), origin: 'declared', group: 'declared:x', service: 'api' });
    const ins = insightsOf([{ incident: declared, timeline: [] }], { now: NOW, weeks: 4 });
    expect(ins.topGroups).toEqual([]);
    expect(ins.topServices).toEqual([{ name: 'api', count: 1 }]);
  });
});

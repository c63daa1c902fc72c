import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/drills/format.js';
import { loadScenarios } from '../../src/drills/load.js';
import { scorecard } from '../../src/drills/scorecard.js';
import type { Incident } from '../../src/incidents/model.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

/** Issue 13, drills: the scorecard's figures from an incident, its timeline and the scenario. */

const seed: Scenario = loadScenarios('drills', loadRunbooks('runbooks').runbooks).scenarios.find((s) => s.name === 'checkout-credentials')!;
const T0 = Date.parse('2025-03-10T09:00:00Z');
const MIN = 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

function drillIncident(over: Partial<Incident> = {}, speed = 1): Incident {
  return {
    id: 'd1',
    number: 3,
    title: seed.title,
    severity: 'sev2',
    status: 'resolved',
    service: 'checkout',
    links: [],
    labels: {},
    group: 'drill:d1:checkout-credentials',
    origin: 'alert',
    createdAt: at(0),
    detectedAt: at(0),
    slack: { messages: {}, pending: {} },
    version: 1,
    drill: { scenario: seed.name, startedAt: at(0), speed },
    ...over,
  };
}

let n = 0;
const tick = (ms: number, stepId: string, text: string, actor = 'U0000001', runbook = 'checkout-payments'): TimelineEvent => ({
  id: `tick-${n++}`,
  kind: 'checklist.tick',
  at: at(ms),
  actor,
  text,
  data: { runbook, stepId },
});
const checkRun = (ms: number, check: string): TimelineEvent => ({
  id: `check-${n++}`,
  kind: 'check.result',
  at: at(ms),
  actor: 'beacon',
  text: 'HTTP 401',
  data: { runbook: 'checkout-payments', stepId: 's1', check, status: 'fail' },
});

describe('the drill scorecard', () => {
  it('has every figure beside the reference: acknowledge, cause, resolve, and the steps ticked before the cause', () => {
    const inc = drillIncident({ acknowledgedAt: at(3 * MIN), acknowledgedBy: 'U0000001', resolvedAt: at(30 * MIN), resolvedBy: 'U0000002' });
    const timeline = [
      tick(8 * MIN, 's5', 'Read the gateway answers in our logs'),
      tick(12 * MIN, 's9', 'Do not restart databases'),
      tick(20 * MIN, 's1', 'Verify the payment gateway accepts our credentials', 'U0000002'),
      tick(25 * MIN, 's4', 'Restore the last known good key'),
    ];
    const card = scorecard(inc, timeline, seed);
    expect(card).toMatchObject({
      scenario: 'checkout-credentials',
      number: 3,
      speed: 1,
      acknowledge: { drillMs: 3 * MIN, referenceMs: 5 * MIN, by: 'U0000001', verdict: 'faster', differenceMs: 2 * MIN },
      cause: { found: true, how: 'step', drillMs: 20 * MIN, referenceMs: 90 * MIN, by: 'U0000002', verdict: 'faster', differenceMs: 70 * MIN },
      resolve: { drillMs: 30 * MIN, referenceMs: 105 * MIN, by: 'U0000002', verdict: 'faster' },
      referenceSource: 'Postmortem of 2024-06-03, outage of the e-commerce checkout service',
    });
    expect(card.misleading.drill).toEqual([
      { text: 'Read the gateway answers in our logs', by: 'U0000001', afterMs: 8 * MIN },
      { text: 'Do not restart databases', by: 'U0000001', afterMs: 12 * MIN },
    ]);
    expect(card.misleading.reference).toEqual(seed.reference.misleading);
  });

  it('counts the root-cause check run as finding the cause, whoever ran it', () => {
    const inc = drillIncident({ acknowledgedAt: at(10 * MIN), resolvedAt: at(105 * MIN) });
    const card = scorecard(inc, [checkRun(95 * MIN, 'payments-changes'), checkRun(96 * MIN, 'gateway-auth'), tick(97 * MIN, 's1', 'Verify')], seed);
    expect(card.cause).toMatchObject({ found: true, how: 'check', drillMs: 96 * MIN, verdict: 'slower', differenceMs: 6 * MIN });
    expect(card.cause.by).toBeUndefined();
    expect(card.acknowledge).toMatchObject({ verdict: 'slower', differenceMs: 5 * MIN });
    expect(card.resolve).toMatchObject({ verdict: 'same' });
  });

  it('measures in scenario time on a faster clock', () => {
    const inc = drillIncident({ acknowledgedAt: at(30_000), resolvedAt: at(9 * MIN) }, 10);
    const card = scorecard(inc, [tick(6 * MIN, 's1', 'Verify')], seed);
    expect(card.speed).toBe(10);
    expect([card.acknowledge.drillMs, card.cause.drillMs, card.resolve.drillMs]).toEqual([5 * MIN, 60 * MIN, 90 * MIN]);
  });

  it('says the cause was not found, and counts every first tick up to the end as misleading', () => {
    const inc = drillIncident({ status: 'acknowledged', acknowledgedAt: at(MIN) });
    const timeline = [
      tick(2 * MIN, 's10', 'Stop and escalate'),
      { ...tick(3 * MIN, 's10', 'Stop and escalate'), kind: 'checklist.untick' },
      tick(4 * MIN, 's10', 'Stop and escalate'),
      tick(5 * MIN, 's3', 'Find long-running queries', 'U0000002', 'database'),
    ];
    const card = scorecard(inc, timeline, seed);
    expect(card.cause).toMatchObject({ found: false, referenceMs: 90 * MIN, what: 'Verify the payment gateway accepts our credentials' });
    expect(card.cause.drillMs).toBeUndefined();
    expect(card.cause.verdict).toBeUndefined();
    expect(card.resolve.drillMs).toBeUndefined();
    expect(card.misleading.drill.map((m) => m.text)).toEqual(['Stop and escalate', 'Find long-running queries']);
  });
});

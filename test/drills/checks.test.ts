import { describe, expect, it } from 'vitest';
import { drillStepChecks, timelineChanges } from '../../src/drills/checks.js';
import { loadScenarios } from '../../src/drills/load.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

/** Issue 13, drills: a drill's runbook checks never call a real system. */

const { runbooks } = loadRunbooks('runbooks');
const seed = loadScenarios('drills', runbooks).scenarios.find((s) => s.name === 'checkout-credentials')!;
const rb = runbooks.find((r) => r.name === 'checkout-payments')!;
const start = new Date('2025-03-10T09:00:00Z');
const rotation: TimelineEvent = {
  id: 'change:drill-d1-0',
  kind: 'change',
  at: new Date(start.getTime() - 12 * 60_000).toISOString(),
  actor: 'deploy-bot',
  text: 'Routine update: payment gateway API credentials replaced',
  data: { id: 'drill-d1-0', kind: 'credentials', service: 'checkout', version: 'v2024.06.03' },
};

describe("a drill's checks", () => {
  it('read the changes from the drill timeline, by service and window, newest first', async () => {
    const source = timelineChanges(async () => [rotation, { ...rotation, id: 'x', kind: 'note' }]);
    expect(await source.between('Checkout', new Date(start.getTime() - 3600_000), start)).toEqual([
      { id: 'drill-d1-0', service: 'checkout', kind: 'credentials', summary: rotation.text, at: rotation.at, version: 'v2024.06.03', author: 'deploy-bot' },
    ]);
    expect(await source.between('payments', new Date(0), start)).toEqual([]);
    expect(await source.between('checkout', new Date(start.getTime() - 60_000), start)).toEqual([]);
  });

  it("answer with the scenario's results, run recent_changes on the drill's changes, and run nothing else", async () => {
    const ctx = { service: 'checkout', incidentStart: start, now: new Date(start.getTime() + 60_000), env: {}, changes: timelineChanges(async () => [rotation]) };
    const results = await drillStepChecks(rb, seed, ctx);
    expect(results.get('s1')).toMatchObject({ status: 'fail', summary: expect.stringContaining('HTTP 401') });
    expect(results.get('s2')).toMatchObject({ status: 'fail' });
    expect(results.get('s2')!.summary).toMatch(/credentials/i);
    expect(results.get('s3')).toMatchObject({ status: 'pass' });
    const withoutResults = await drillStepChecks(rb, { ...seed, checks: {} }, ctx);
    expect(withoutResults.get('s1')).toMatchObject({ status: 'error', summary: expect.stringMatching(/^not run in a drill/) });
  });
});

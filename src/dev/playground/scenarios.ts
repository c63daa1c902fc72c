/**
 * The page's one-click scenarios, each sent into Beacon the way the real thing would reach it:
 * - `seed`: the demo's story, the payment gateway key rotated by a routine update (a credentials
 *   change, dated 12 minutes ago) and then checkout's transaction alert, through the webhooks;
 * - `storm`: 1,000 alerts of one group in one webhook delivery (one incident, counted);
 * - `drill`: `/incident drill checkout-credentials`, typed by the chosen person.
 */
import { ROTATION, TRANSACTION_ALERT } from '../demo/story-detect.js';
import type { RunningBeacon } from './start.js';

export const SCENARIOS = ['seed', 'storm', 'drill'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const STORM_SIZE = 1000;

export interface ScenarioResult {
  ok: boolean;
  /** One line for the page: what was sent and what Beacon answered. */
  note: string;
}

export async function runScenario(beacon: RunningBeacon, name: Scenario, who: { userId: string; channelId: string }): Promise<ScenarioResult> {
  if (name === 'seed') return seed(beacon);
  if (name === 'storm') return storm(beacon);
  const res = await beacon.sim.slashCommand({ text: 'drill checkout-credentials', channelId: who.channelId, userId: who.userId });
  return { ok: res.status === 200, note: `/incident drill checkout-credentials → HTTP ${res.status}` };
}

async function seed(beacon: RunningBeacon): Promise<ScenarioResult> {
  const now = Date.now();
  const change = await beacon.post('/webhooks/changes', { ...ROTATION, at: new Date(now - 12 * 60_000).toISOString() });
  const alert = await beacon.post('/webhooks/generic', { ...TRANSACTION_ALERT, startsAt: new Date(now).toISOString() });
  return {
    ok: change.status === 202 && alert.status === 202,
    note: `credentials change → HTTP ${change.status}; transaction alert → HTTP ${alert.status}`,
  };
}

async function storm(beacon: RunningBeacon): Promise<ScenarioResult> {
  const run = Date.now().toString(36);
  const alerts = Array.from({ length: STORM_SIZE }, (_, i) => ({
    title: `search-api pod ${i + 1} unhealthy: readiness probe failing`,
    severity: i % 10 === 0 ? 'high' : 'warning',
    service: 'search',
    group: `search-storm-${run}`,
    fingerprint: `search-pod-${run}-${i + 1}`,
    description: 'Readiness probe failed 3 times in a row',
    labels: { team: 'search', pod: `search-api-${i + 1}` },
  }));
  const res = await beacon.post('/webhooks/generic', { alerts });
  return { ok: res.status === 202, note: `${STORM_SIZE} alerts in one delivery → HTTP ${res.status} ${res.body}` };
}

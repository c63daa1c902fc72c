import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HtmlValidate } from 'html-validate';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChangeStore } from '../../src/changes/store.js';
import type { Severity } from '../../src/domain.js';
import { loadScenarios } from '../../src/drills/load.js';
import { scoreLine } from '../../src/drills/service.js';
import { scorecard } from '../../src/drills/scorecard.js';
import type { Incident } from '../../src/incidents/model.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Keys } from '../../src/keys.js';
import { ChecklistStore } from '../../src/runbooks/checklist-store.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { TimelineStore } from '../../src/timeline/store.js';
import type { SignedIn } from '../../src/web/auth/types.js';
import { insightsPage } from '../../src/web/insights/page.js';
import type { WebSources } from '../../src/web/sources.js';
import { testRedisUrl, uniquePrefix } from '../support/beacon.js';
import { event, HOUR, incident, iso, MIN } from '../insights/seed.js';

/**
 * Issue 14, Insights: `/insights` rendered from a real Redis seeded with incidents and timelines
 * over several weeks, served by a small HTTP server the way the router calls it.
 */

const WHO: SignedIn = { viewer: { userId: 'U0000001', teamId: 'T0000001', name: 'Alice' }, csrf: 'csrf-token' };
const NOW = Date.parse('2025-03-12T12:00:00Z'); // a Wednesday, in 2025-W11
const WEEK = 7 * 24 * HOUR;
const MONDAY = Date.parse('2025-03-10T00:00:00Z');
const EVIL_SERVICE = '<script>alert("svc")</script>';
const EVIL_GROUP = '"><img src=x onerror=alert(1)>{alertname="Boom"}';
const drillSet = loadScenarios('drills', loadRunbooks('runbooks').runbooks);
const seedScenario = drillSet.scenarios.find((s) => s.name === 'checkout-credentials')!;

/** Incidents seeded per week (weeks before the current one) with their severities. */
const SEEDED: Record<number, Severity[]> = {
  0: ['sev1', 'sev2', 'sev2'],
  1: ['sev3'],
  3: ['sev1', 'sev2', 'sev3', 'sev4', 'sev4'],
  6: ['sev2', 'sev2'],
  11: ['sev3', 'sev1', 'sev4', 'sev4'],
};

let redis: Redis;
let clock = NOW;
const servers: Server[] = [];

function sources(prefix: string): WebSources & { store: IncidentStore; timeline: TimelineStore } {
  const keys = new Keys(prefix);
  const store = new IncidentStore(redis, keys);
  const timeline = new TimelineStore(redis, keys);
  return {
    store,
    incidents: store,
    timeline,
    changes: new ChangeStore(redis, keys),
    checklists: new ChecklistStore(redis, keys),
    runbooks: () => [],
    now: () => new Date(clock),
    redis,
    keys,
    drills: () => drillSet,
  };
}

async function seed(src: ReturnType<typeof sources>, inc: Incident, timeline: TimelineEvent[]): Promise<void> {
  await src.store.create(inc);
  for (const ev of timeline) await src.timeline.append(inc.id, ev);
}

async function serve(src: WebSources): Promise<string> {
  const handler = insightsPage(src);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    handler(req, res, url, WHO).catch((err) => {
      res.writeHead(500).end(String(err));
    });
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), text: await res.text() };
};

/** Each `<g class="week">` of the weekly chart: its week, count and the heights of its bars. */
function weekGroups(page: string): { week: string; count: number; heights: number[] }[] {
  const svg = /<svg class="chart" id="chart-weekly"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
  return [...svg.matchAll(/<g class="week" data-week="([^"]+)" data-count="(\d+)">([\s\S]*?)<\/g>/g)].map((m) => ({
    week: m[1]!,
    count: Number(m[2]),
    heights: [...m[3]!.matchAll(/<rect class="bar [^"]+"[^>]* height="([\d.]+)"/g)].map((h) => Number(h[1])),
  }));
}

async function validate(page: string) {
  const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(page);
  return report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`));
}

let base: string;
let src: ReturnType<typeof sources>;

beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  src = sources(uniquePrefix('insights'));
  for (const [ago, sevs] of Object.entries(SEEDED)) {
    for (const [i, severity] of sevs.entries()) {
      const start = MONDAY - Number(ago) * WEEK + (i + 1) * 3 * HOUR;
      const inc = incident({
        detectedAt: iso(start),
        createdAt: iso(start + 2 * MIN),
        severity,
        status: 'resolved',
        service: i === 0 ? EVIL_SERVICE : 'checkout',
        group: i === 0 ? EVIL_GROUP : 'alertmanager:{}:{alertname="CheckoutErrors"}',
        resolvedAt: iso(start + 3 * HOUR),
      });
      await seed(src, inc, [event('alert.firing', start), event('acknowledged', start + (i + 2) * MIN), event('resolved', start + (i + 1) * HOUR)]);
    }
  }
  // A storm: hundreds of alert entries, only the milestones matter.
  const storm = incident({ detectedAt: iso(MONDAY + HOUR), severity: 'sev2', service: 'search', status: 'acknowledged' });
  await seed(src, storm, [...Array.from({ length: 300 }, (_, i) => event('alert.firing', MONDAY + HOUR + i * 1000, { text: `pod ${i}` })), event('acknowledged', MONDAY + HOUR + 4 * MIN)]);
  const secret = incident({ detectedAt: iso(MONDAY + 2 * HOUR), private: true, service: 'secret-merger-svc', group: 'alertmanager:secret-merger', title: 'Top secret merger leak', status: 'resolved', origin: 'declared' });
  await seed(src, secret, [event('acknowledged', MONDAY + 2 * HOUR + 8 * MIN), event('resolved', MONDAY + 4 * HOUR)]);
  const d0 = MONDAY - WEEK + 10 * HOUR;
  const drill = incident({
    detectedAt: iso(d0),
    severity: 'sev1',
    service: 'drill-only-service',
    status: 'resolved',
    acknowledgedAt: iso(d0 + 3 * MIN),
    resolvedAt: iso(d0 + 50 * MIN),
    drill: { scenario: seedScenario.name, startedAt: iso(d0), speed: 1 },
  });
  const tick = event('checklist.tick', d0 + 20 * MIN, { data: { runbook: seedScenario.runbook, stepId: seedScenario.rootCause.stepId } });
  await seed(src, drill, [event('acknowledged', d0 + 3 * MIN), tick, event('resolved', d0 + 50 * MIN), event('scorecard', d0 + 51 * MIN, { text: scoreLine(scorecard(drill, [tick], seedScenario)) })]);
  base = await serve(src);
});

afterAll(async () => {
  for (const s of servers) s.close();
  await redis.quit();
});

describe('GET /insights', () => {
  let page: string;
  beforeAll(async () => {
    const res = await get(`${base}/insights`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.csp).toContain("style-src 'self'");
    page = res.text;
  });

  it('draws one bar group per week of the window, the seeded weeks with bars proportional to their counts', () => {
    const groups = weekGroups(page);
    expect(groups).toHaveLength(12);
    expect(groups.at(-1)!.week).toBe('2025-W11');
    const expected = groups.map((_, i) => (SEEDED[11 - i]?.length ?? 0) + (i === 11 ? 2 : 0)); // + the storm and the private one
    expect(groups.map((g) => g.count)).toEqual(expected);
    const perIncident = groups.filter((g) => g.count).map((g) => g.heights.reduce((a, b) => a + b, 0) / g.count);
    expect(perIncident.length).toBe(5);
    for (const h of perIncident) expect(h).toBeCloseTo(perIncident[0]!, 0);
    expect(perIncident[0]).toBeGreaterThan(5);
    // Empty weeks have a group and no bar; one bar segment per severity the week had.
    expect(groups.filter((g) => !g.count).every((g) => g.heights.length === 0)).toBe(true);
    expect(groups.find((g) => g.week === '2024-W52')!.heights).toHaveLength(3); // sev3, sev1, sev4 ×2
  });

  it('has real axes, tick labels, a legend and accessible names on every chart', () => {
    for (const id of ['chart-weekly', 'chart-acknowledge', 'chart-resolve', 'chart-services', 'chart-groups', 'chart-drills']) {
      const svg = new RegExp(`<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc"[\\s\\S]*?</svg>`).exec(page)?.[0];
      expect(svg, id).toBeDefined();
      expect(svg).toMatch(new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`));
      expect(svg).toMatch(/<line class="domain"/);
      expect((svg!.match(/<g class="tick">/g) ?? []).length).toBeGreaterThanOrEqual(2);
    }
    const weekly = /<svg class="chart" id="chart-weekly"[\s\S]*?<\/svg>/.exec(page)![0];
    // The count axis: 0 up to the busiest week (5), integer ticks only.
    const yTicks = [...weekly.matchAll(/<text class="end" x="[\d.]+" y="[\d.]+">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(yTicks[0]).toBe(0);
    expect(Math.max(...yTicks)).toBeGreaterThanOrEqual(5);
    expect(weekly).toContain('>W11<tspan class="sub"');
    expect(weekly).toContain('Mar 10');
    for (const label of ['SEV1 · critical', 'SEV2 · major', 'SEV3 · minor', 'SEV4 · low']) expect(weekly).toContain(`>${label}</text>`);
    // The time axes say their unit; lines are d3 paths.
    expect(page).toMatch(/<svg class="chart" id="chart-acknowledge"[\s\S]*?>minutes<\/text>/);
    expect(page).toMatch(/<svg class="chart" id="chart-resolve"[\s\S]*?>hours<\/text>/);
    // W10 and W11 are next to each other: their medians are joined by a line; lone weeks are dots.
    expect(page).toMatch(/<path class="line median" d="M[\d.,]+(?:ZM[\d.,]+)*L[\d.,]+"/);
    // Each chart is followed by its data table.
    expect((page.match(/<details class="data">/g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(page).toMatch(/Figures as of <time datetime="2025-03-12T12:00:00.000Z">12:00 UTC<\/time>/);
  });

  it('gives the medians and p90 of the seeded weeks in the table', () => {
    // Week 2025-W11: acknowledged after 2, 3, 4 min (seeded), 4 (storm), 8 (private): median 4 min, p90 6.4 min.
    // p90 at rank 0.9 * 4 = 3.6 of 2, 3, 4, 4, 8: 4 + 0.6 * 4 = 6.4 min, shown as 6m. Resolved after 1, 2, 3 h and 2 h (private).
    const table = /<caption>Time from the alert’s start[\s\S]*?<\/table>/.exec(page)![0];
    const row = /<tr><th scope="row">2025-W11[\s\S]*?<\/tr>/.exec(table)![0];
    expect(row).toContain('<td class="num">5</td><td class="num">4m</td><td class="num">6m</td><td class="num">0</td><td class="num">—</td><td class="num">—</td><td class="num">4</td><td class="num">2h 0m</td><td class="num">2h 42m</td>');
  });

  it('escapes hostile service and group names', () => {
    expect(page).not.toContain(EVIL_SERVICE);
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(&quot;svc&quot;)&lt;/script&gt;');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('counts the private incident without naming it, and keeps the drill apart', () => {
    expect(page).not.toMatch(/secret-merger|Top secret/);
    expect(page).toContain('1 private incident is not listed here.');
    expect(page).not.toContain('drill-only-service');
    expect(page).toMatch(/<svg class="chart" id="chart-drills"[\s\S]*?checkout-credentials[\s\S]*?<\/svg>/);
    expect(page).toContain('root cause found after 20m (reference 1h 30m)');
  });

  it('passes html-validate (recommended) and has no style attribute or script', async () => {
    expect(await validate(page)).toEqual([]);
    expect(page).not.toMatch(/\sstyle\s*=/i);
    expect(page).not.toMatch(/<style|<script/i);
  });

  it('takes ?weeks= from 4 to 52 and refuses anything else with a page saying so', async () => {
    const wide = await get(`${base}/insights?weeks=26`);
    expect(wide.status).toBe(200);
    expect(weekGroups(wide.text)).toHaveLength(26);
    expect(weekGroups((await get(`${base}/insights?weeks=`)).text)).toHaveLength(12);
    for (const bad of ['3', '53', 'abc', '12.5', '<b>']) {
      const res = await get(`${base}/insights?weeks=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain('choose a whole number from 4 to 52');
      expect(res.text).not.toContain('<b>');
      expect(await validate(res.text)).toEqual([]);
    }
  });

  it('keeps the figures 30 seconds, then shows them while reading them again, and waits once they are too old', async () => {
    const start = MONDAY + 30 * HOUR;
    await seed(src, incident({ detectedAt: iso(start), severity: 'sev4', service: 'late' }), []);
    const current = async () => weekGroups((await get(`${base}/insights`)).text).at(-1)!.count;
    expect(await current()).toBe(5);
    clock = NOW + 31_000;
    try {
      // Stale: answered at once with the old figures while new ones are read in the background.
      expect(await current()).toBe(5);
      await vi.waitFor(async () => expect(await current()).toBe(6), { timeout: 5000, interval: 50 });
      expect((await get(`${base}/insights`)).text).toContain('12:00 UTC');
      await seed(src, incident({ detectedAt: iso(start + HOUR), severity: 'sev4', service: 'later' }), []);
      // More than 30 s + 5 min later nothing recent is left: the viewer waits for new figures.
      clock = NOW + 31_000 + 6 * 60_000;
      const fresh = await get(`${base}/insights`);
      expect(weekGroups(fresh.text).at(-1)!.count).toBe(7);
      expect(fresh.text).toContain('12:06 UTC');
    } finally {
      clock = NOW;
    }
  });
});

describe('GET /insights without incidents', () => {
  it('is a friendly page, still valid HTML', async () => {
    const empty = await serve(sources(uniquePrefix('insights-empty')));
    const res = await get(`${empty}/insights`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('No incidents in the last 12 weeks');
    expect(res.text).not.toContain('<svg');
    expect(await validate(res.text)).toEqual([]);
  });
});

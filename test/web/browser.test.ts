import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/dev/slack-sim/oidc.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { TimelineStore } from '../../src/timeline/store.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { keysOf } from '../support/builders.js';
import { BOT_TOKEN, SIGNING_SECRET, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { ALICE, BOB, CAROL, alertIncident, command, doc, general, opened, type Opened } from '../e2e/lifecycle-helpers.js';
import { event, HOUR, incident, iso, MIN } from '../insights/seed.js';

/**
 * Issue 14, the web pages in a real browser (Debian's Chromium through playwright-core): sign in
 * through the simulator's Slack, see the list, open an incident and read its timeline in order; a
 * non-member does not see a private incident (in the list, by URL, or on the status page);
 * insights shows bars for the seeded weeks. Screenshots go to test-results/.
 */
describe('the web pages in Chromium', () => {
  let b: TestBeacon;
  let sim: SlackSimulator;
  let browser: Browser;
  let pub: Opened;
  let priv: Opened;
  const WEEK = 7 * 24 * HOUR;

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    const apiUrl = await sim.start();
    b = await startBeacon({
      sim,
      env: { SLACK_CLIENT_ID: SIM_CLIENT_ID, SLACK_CLIENT_SECRET: SIM_CLIENT_SECRET, SESSION_SECRET: 'browser-test-session-secret-0123456789abcdef', SLACK_OAUTH_URL: apiUrl.replace(/api\/$/, '') },
    });
    pub = await alertIncident(b, 'browser');
    await command(b, pub.channelId, ALICE, 'ack');
    await waitFor(async () => (await doc(b, pub.incidentId)).status === 'acknowledged', { what: 'acknowledged' });
    await command(b, pub.channelId, ALICE, 'update --public Payments fail for some customers; we are on it');
    await command(b, general(b), CAROL, 'declare --private Secret payroll leak sev2');
    priv = await opened(b, /secret-payroll-leak$/);
    // Three past weeks of resolved incidents for insights: 1, 2 and 3 incidents.
    const store = new IncidentStore(b.redis, keysOf(b));
    const timeline = new TimelineStore(b.redis, keysOf(b));
    const now = Date.now();
    for (let w = 1; w <= 3; w++) {
      for (let i = 0; i < w; i++) {
        const start = now - w * WEEK + i * HOUR;
        const inc = incident({ id: `seedw${w}i${i}`, detectedAt: iso(start), status: 'resolved', service: `svc-${w}`, resolvedAt: iso(start + 2 * HOUR) });
        await store.create(inc);
        await timeline.append(inc.id, event('acknowledged', start + 5 * MIN));
        await timeline.append(inc.id, event('resolved', start + 2 * HOUR));
      }
    }
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await b?.close();
    await sim?.stop();
  });

  /** Signs in as `name` on the simulator's authorize page, the way a person does. */
  async function signedIn(name: string): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    // Beacon's own pages only (the simulator's authorize page stands in for Slack's).
    page.on('console', (m) => m.type() === 'error' && m.location().url.startsWith(b.url) && errors.push(`${m.text()} ${m.location().url}`));
    (page as Page & { cspErrors?: string[] }).cspErrors = errors;
    await page.goto(`${b.url}/incidents`);
    // Not signed in: Beacon sends the browser to Slack's (the simulator's) authorize page.
    await expect.poll(() => page.url()).toContain('/openid/connect/authorize');
    // The first section lists Beacon's own workspace (another workspace's people follow).
    await page.getByRole('button', { name }).first().click();
    await page.waitForURL(`${b.url}/incidents`);
    return page;
  }

  it('signs in through Slack, lists the incidents and opens one with its timeline in order', async () => {
    const page = await signedIn('Alice Adams');
    await expect.poll(() => page.locator('main').innerText()).toContain('Lifecycle browser');
    expect(await page.locator('main').innerText()).not.toContain('Secret payroll leak');
    await screenshot(page, 'web-incidents');
    await page.getByRole('link', { name: 'Lifecycle browser' }).click();
    await page.waitForURL(`${b.url}/incidents/${pub.incidentId}`);
    const times = await page.locator('ol.timeline time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    expect(times.length).toBeGreaterThanOrEqual(3);
    const ms = times.map((t) => Date.parse(t));
    expect([...ms].sort((x, y) => x - y)).toEqual(ms);
    const text = await page.locator('ol.timeline').innerText();
    expect(text.indexOf('Acknowledged')).toBeGreaterThan(-1);
    expect(text).toContain('Payments fail for some customers');
    await screenshot(page, 'web-incident');
    expect((page as Page & { cspErrors?: string[] }).cspErrors, "console errors (CSP violations show here)").toEqual([]);
    await page.close();
  });

  it('never shows a private incident to a non-member: not in the list, not by URL, not on the status page', async () => {
    const bob = await signedIn('Bob Brown');
    expect(await bob.locator('main').innerText()).not.toContain('Secret payroll leak');
    const res = await bob.goto(`${b.url}/incidents/${priv.incidentId}`);
    expect(res?.status()).toBe(404);
    expect(await bob.locator('main').innerText()).not.toContain('Secret payroll leak');
    await bob.goto(`${b.url}/status`);
    const status = await bob.locator('main').innerText();
    expect(status).toContain('Payments fail for some customers');
    expect(status).not.toContain('Secret payroll leak');
    await screenshot(bob, 'web-status');
    await bob.close();
    // Its member (the declarer) sees it.
    const carol = await signedIn('Carol Chen');
    await carol.goto(`${b.url}/incidents/${priv.incidentId}`);
    expect(await carol.locator('h1').innerText()).toBe('Secret payroll leak');
    await carol.close();
    expect(BOB).not.toBe(CAROL);
  });

  it('shows insights with bars for the seeded weeks', async () => {
    const page = await signedIn('Alice Adams');
    await page.goto(`${b.url}/insights`);
    const counts = await page.locator('rect.bar[data-count]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
    // The weekly chart's bars (1, 2 and 3 seeded incidents, plus this week's real ones).
    for (const n of [1, 2, 3]) expect(counts).toContain(n);
    const heights = await page.locator('rect.bar.sev2[data-count]').evaluateAll((els) => els.map((e) => ({ n: Number(e.getAttribute('data-count')), h: (e as unknown as { getBBox(): { height: number } }).getBBox().height })));
    const one = heights.find((x) => x.n === 1)!;
    const three = heights.find((x) => x.n === 3)!;
    expect(three.h / one.h).toBeCloseTo(3, 1);
    await screenshot(page, 'web-insights');
    await page.close();
  });
});

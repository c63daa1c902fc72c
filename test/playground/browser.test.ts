import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type RunningPlayground } from '../../src/dev/playground/run.js';
import type { SimMessage } from '../../src/dev/slack-simulator.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { ChecklistStore } from '../../src/runbooks/checklist-store.js';
import { TimelineStore } from '../../src/timeline/store.js';
import { cleanup, testRedisUrl, waitFor } from '../support/beacon.js';
import { launchBrowser, screenshot } from '../support/browser.js';

/**
 * Issue 14, the playground in a real browser (Debian's Chromium): the seed scenario, the incident
 * channel appearing, Acknowledge on the card, the credentials step ticked, `/incident resolve` typed
 * as Bob, the postmortem opened. Each step is checked on the page and in the simulator and Redis.
 */

const ALICE = 'U0000001';
const BOB = 'U0000002';
const CREDENTIALS_STEP = 'checkout-payments:s1';

let pg: RunningPlayground;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let redis: Redis;
const consoleProblems: string[] = [];
let logs = '';

beforeAll(async () => {
  const logOut = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  // A free port (0), the test Redis on a fresh prefix, the shipped runbooks and drills.
  pg = await startPlayground({ port: 0, redisUrl: testRedisUrl(), env: {}, logOut });
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('page', (p) => watch(p));
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
  if (redis && pg) await cleanup(redis, pg.beacon.config.redis.prefix);
  redis?.disconnect();
});

/** Every console error and page error (a CSP violation is a console error in Chromium). */
function watch(p: Page): void {
  p.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) consoleProblems.push(`${p.url()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => consoleProblems.push(`${p.url()}: ${e.message}`));
}

const sim = () => pg.beacon.sim;
const incidentChannel = () => sim().channels().find((c) => /^inc-\d{8}-checkout-successful-payment/.test(c.name));
const card = (channelId: string): SimMessage | undefined => sim().messages(channelId).find((m) => JSON.stringify(m.blocks ?? []).includes('"incident.acknowledge"') || /#1 /.test(m.text));
const checklist = (channelId: string) => sim().messages(channelId).find((m) => JSON.stringify(m.blocks ?? []).includes('"checklist.toggle"'));

/** The steps the checklist message shows ticked (its checkboxes' initial_options). */
function tickedInMessage(channelId: string): string[] {
  type Element = { type?: string; initial_options?: { value: string }[] };
  const blocks = (checklist(channelId)?.blocks ?? []) as { elements?: Element[] }[];
  return blocks.flatMap((b) => b.elements ?? []).filter((e) => e.type === 'checkboxes').flatMap((e) => (e.initial_options ?? []).map((o) => o.value));
}

async function incidentOf(channelId: string) {
  const store = new IncidentStore(redis, pg.beacon.keys);
  const id = await store.byChannel(channelId);
  const inc = id ? await store.get(id) : null;
  if (!inc) throw new Error(`no incident for ${channelId}`);
  return inc;
}

describe('the playground in Chromium', () => {
  it('runs the seed incident from the page: acknowledge, tick, resolve, the postmortem', async () => {
    watch(page);
    await page.goto(pg.url);
    await page.waitForSelector('body[data-live="yes"]');
    await expect(page.locator('#sidebar .chan-name', { hasText: 'general' }).count()).resolves.toBe(1);
    await screenshot(page, 'playground-1-start');

    // The seed: the credentials change, then the payment alert. The incident channel appears.
    await page.click('button[data-scenario="seed"]');
    const channelLink = page.locator('#sidebar a.chan', { hasText: /inc-\d{8}-checkout-successful-payment/ });
    await channelLink.waitFor({ timeout: 20_000 });
    const channel = await waitFor(incidentChannel, { what: 'the incident channel in the simulator' });
    expect(await channelLink.getAttribute('data-channel')).toBe(channel.id);
    await screenshot(page, 'playground-2-channel-appears');

    // Open it: the card (pinned), "what changed" with the rotation, the checklist, the topic.
    await channelLink.click();
    await page.locator('.chan-head h2', { hasText: channel.name }).waitFor();
    await page.locator('.msg.pinned .bk-header', { hasText: '#1 Checkout: successful payment transactions dropped 60%' }).waitFor({ timeout: 20_000 });
    await page.locator('.msg-content', { hasText: 'What changed before this started' }).filter({ hasText: 'Rotate payment gateway API key during routine update' }).waitFor({ timeout: 20_000 });
    await page.locator(`input[value="${CREDENTIALS_STEP}"]`).waitFor({ timeout: 20_000 });
    await waitFor(() => /triggered/.test(sim().channel(channel.id)!.topic.value), { what: 'the topic' });
    await page.locator('.topic', { hasText: 'triggered' }).waitFor();
    const cardMsg = card(channel.id)!;
    expect(sim().channel(channel.id)!.pins).toContain(cardMsg.ts);
    await expect(page.locator('.pins summary').textContent()).resolves.toMatch(/📌 \d+ pinned/);
    await screenshot(page, 'playground-3-incident-channel');

    // Acknowledge on the card, as Alice: a signed block action; the card and Redis follow.
    await page.click(`article[data-ts="${cardMsg.ts}"] button[data-action-id="incident.acknowledge"]`);
    await waitFor(async () => (await incidentOf(channel.id)).status === 'acknowledged', { what: 'acknowledged in Redis' });
    const acked = await incidentOf(channel.id);
    expect(acked.lead).toBe(ALICE);
    await waitFor(() => sim().callsTo('chat.update').some((c) => c.params.ts === cardMsg.ts), { what: 'the card updated' });
    await page.locator(`article[data-ts="${cardMsg.ts}"] .bk-field`, { hasText: /Status\s*.*Acknowledged/ }).waitFor({ timeout: 20_000 });
    await page.locator(`article[data-ts="${cardMsg.ts}"] .bk-field`, { hasText: /Lead\s*@alice/ }).waitFor();
    await screenshot(page, 'playground-4-acknowledged');

    // Tick the credentials step: a signed checkboxes action; the tick is recorded with who and when.
    const before = Date.now();
    await page.check(`input[value="${CREDENTIALS_STEP}"]`);
    const checklists = new ChecklistStore(redis, pg.beacon.keys);
    const tick = await waitFor(async () => (await checklists.stateOf(acked.id, 'checkout-payments')).ticks.s1, { what: 'the tick in Redis' });
    expect(tick).toMatchObject({ done: true, by: ALICE });
    // Dated when it was clicked (the simulator's action_ts and Beacon share the wall clock).
    expect(Date.parse(tick.at!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(tick.at!)).toBeLessThanOrEqual(Date.now());
    await waitFor(() => tickedInMessage(channel.id).includes(CREDENTIALS_STEP), { what: 'step 1 ticked in the message' });
    await page.locator('.msg-content', { hasText: '1/12 done' }).waitFor({ timeout: 20_000 });
    await expect(page.locator(`input[value="${CREDENTIALS_STEP}"]`).isChecked()).resolves.toBe(true);
    await screenshot(page, 'playground-5-step-ticked');

    // Bob types the resolution; the answer is Beacon's announcement, the card says Resolved.
    await page.selectOption('#person', BOB);
    await page.waitForURL(/user=U0000002/);
    await page.fill('#composer-text', '/incident resolve Rotated the gateway key back');
    await page.press('#composer-text', 'Enter');
    await waitFor(async () => (await incidentOf(channel.id)).status === 'resolved', { what: 'resolved in Redis' });
    await page.locator('.msg-content', { hasText: 'Rotated the gateway key back' }).first().waitFor({ timeout: 20_000 });
    await page.locator(`article[data-ts="${cardMsg.ts}"] .bk-field`, { hasText: /Status\s*.*Resolved/ }).waitFor({ timeout: 20_000 });
    expect(sim().messages(channel.id).some((m) => /Rotated the gateway key back/.test(m.text) && m.ts !== cardMsg.ts)).toBe(true);
    const timeline = (await new TimelineStore(redis, pg.beacon.keys).list(acked.id)).map((e) => e.kind);
    expect(timeline).toEqual(expect.arrayContaining(['acknowledged', 'checklist.tick', 'resolved']));
    expect(timeline.indexOf('checklist.tick')).toBeLessThan(timeline.indexOf('resolved'));
    await screenshot(page, 'playground-6-resolved');

    // The postmortem Beacon uploaded on resolve: a file link that opens its content.
    const fileLink = page.locator('a.file', { hasText: /postmortem/ });
    await fileLink.waitFor({ timeout: 20_000 });
    const file = sim().messages(channel.id).flatMap((m) => m.files ?? []).find((f) => /postmortem/.test(f.name))!;
    const content = sim().fileContent(file.id)!.toString('utf8');
    expect(content).toContain('Rotated the gateway key back');
    const [popup] = await Promise.all([context.waitForEvent('page'), fileLink.click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${pg.url}/files/${file.id}`);
    await expect(popup.locator('.file-head h1').textContent()).resolves.toContain(file.name);
    const firstHeading = /^#\s+(.+)$/m.exec(content)![1]!;
    await expect(popup.locator('.file-body h1').first().textContent()).resolves.toBe(firstHeading);
    await expect(popup.locator('.file-body').textContent()).resolves.toContain('Rotated the gateway key back');
    await screenshot(popup, 'playground-7-postmortem');
    await popup.close();

    expect(consoleProblems).toEqual([]);
  });

  it('shows answers only to the person who asked, and runs the declare modal through views.open', async () => {
    const general = sim().channelByName('general')!;
    await page.goto(`${pg.url}/?channel=${general.id}&user=${ALICE}`);
    await page.waitForSelector('body[data-live="yes"]');

    await page.fill('#composer-text', '/incident help');
    await page.press('#composer-text', 'Enter');
    const help = page.locator('.msg.ephemeral', { hasText: 'Only visible to you' });
    await help.first().waitFor({ timeout: 10_000 });
    expect(sim().ephemerals.some((e) => e.user === ALICE && e.channel === general.id)).toBe(true);
    await page.selectOption('#person', BOB);
    await waitFor(async () => (await page.locator('.msg.ephemeral').count()) === 0, { what: "Alice's answer hidden from Bob" });
    await page.selectOption('#person', ALICE);
    await help.first().waitFor();

    // `/incident declare` without a title: Beacon opens its form with views.open.
    await page.fill('#composer-text', '/incident declare');
    await page.press('#composer-text', 'Enter');
    const modal = page.locator('form.modal');
    await modal.waitFor({ timeout: 10_000 });
    const view = sim().openedViews().find((v) => v.userId === ALICE)!;
    expect(await modal.getAttribute('data-view-id')).toBe(view.id);
    await screenshot(page, 'playground-8-declare-modal');
    // Submitted without a title, Beacon sends the form back with its error; nothing is declared.
    await modal.locator('button[type="submit"]').click();
    await modal.locator('.bk-error', { hasText: 'Give the incident a title.' }).waitFor({ timeout: 10_000 });
    await modal.locator('[data-input="declare_title"]').fill('Search is slow <script>alert(1)</script>');
    await modal.locator('[data-input="declare_severity"]').selectOption('sev2');
    await modal.locator('button[type="submit"]').click();
    await modal.waitFor({ state: 'detached', timeout: 10_000 });
    const declared = await waitFor(() => sim().channels().find((c) => /^inc-\d{8}-search-is-slow/.test(c.name)), { what: 'the declared channel' });
    const link = page.locator(`#sidebar a[data-channel="${declared.id}"]`);
    await link.waitFor({ timeout: 20_000 });
    await link.click();
    await page.locator('.msg.pinned .bk-header', { hasText: 'Search is slow <script>alert(1)</script>' }).waitFor({ timeout: 20_000 });
    expect((await incidentOf(declared.id)).severity).toBe('sev2');
    await screenshot(page, 'playground-9-declared');

    expect(consoleProblems).toEqual([]);
  });

  it('sends an alert storm and a drill with one click each', async () => {
    const general = sim().channelByName('general')!;
    await page.goto(`${pg.url}/?channel=${general.id}&user=${BOB}`);
    await page.waitForSelector('body[data-live="yes"]');

    await page.click('button[data-scenario="storm"]');
    const stormLink = page.locator('#sidebar a.chan', { hasText: /inc-\d{8}-search-api-pod/ });
    await stormLink.waitFor({ timeout: 20_000 });
    await stormLink.click();
    // One incident for the 1,000 alerts of one group, all counted on its alerts message.
    await page.locator('.msg-content', { hasText: 'Alerts: 1000 firing' }).waitFor({ timeout: 30_000 });
    const storm = sim().channels().filter((c) => /search-api-pod/.test(c.name));
    expect(storm).toHaveLength(1);
    expect(sim().messages(storm[0]!.id).some((m) => /1000 firing/.test(m.text))).toBe(true);
    await screenshot(page, 'playground-10-storm');

    // The drill, typed by Bob: its own drill- channel, only Bob invited, every message marked.
    await page.click('button[data-scenario="drill"]');
    const drillLink = page.locator('#sidebar a.chan', { hasText: /drill-\d{8}-checkout-cannot-take-payments/ });
    await drillLink.waitFor({ timeout: 20_000 });
    const drillPeople = () => sim().channels().find((c) => /^drill-/.test(c.name))!.members.filter((m) => m !== sim().botUserId);
    await waitFor(() => drillPeople().length > 0, { what: 'someone invited to the drill' });
    expect(drillPeople()).toEqual([BOB]);
    await drillLink.click();
    await page.locator('.msg-content', { hasText: 'started a drill' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'playground-11-drill');
    expect(consoleProblems).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoReport } from '../../src/dev/demo/run.js';
import type { RecordedCall } from '../../src/dev/slack-simulator.js';
import { testRedisUrl } from '../support/beacon.js';

/**
 * Issue 12, done when 3: `npm run demo` replays the seed with a probe on the payment gateway.
 * The demo's main function runs here as `npm run demo` runs it; the test checks its story in
 * what it printed and in what Beacon did in the simulated Slack: the probe's incident opens within
 * a minute of the 08:18 rotation and before the 08:30 transaction alert, its first "what changed"
 * names the rotation and its first checklist has step 1 failing with "credentials rejected".
 */
const SHIPPED = new URL('../../runbooks/checkout-payments.md', import.meta.url);
const PROBE_TITLE = 'checkout: payment gateway: credentials rejected (HTTP 401)';

describe('npm run demo', () => {
  let report: DemoReport;
  let shippedBefore: string;
  const tokenBefore = process.env.PAYMENT_GATEWAY_TOKEN;

  beforeAll(async () => {
    shippedBefore = readFileSync(SHIPPED, 'utf8');
    const started = Date.now();
    report = await runDemo({ redisUrl: testRedisUrl(), write: () => {}, logLevel: 'silent' });
    // Seconds of wall time for half an hour of story: the probe runs on the demo's clock.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  const posts = (channel: string): RecordedCall[] => report.sim.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === channel && c.ok);
  const firstPost = (channel: string, marker: string) => JSON.stringify(posts(channel).find((c) => JSON.stringify(c.params).includes(marker))?.params ?? null);

  it('says what is simulated, and prints the probe catching the rotation', () => {
    const out = report.output;
    expect(out).toMatch(/Simulated: the clock and the probe's schedule\./);
    expect(out).toMatch(/runs the demo queues itself\s+at that clock's 30-second marks/);
    expect(out).toMatch(/^08:17:30 {2}probe: HTTP 200/m);
    expect(out).toMatch(/^08:18:30 {2}probe: credentials rejected \(HTTP 401\) {2}\(failure 1 of 2/m);
    expect(out).toMatch(/^08:19:00 {2}probe: credentials rejected \(HTTP 401\) {2}\(failure 2 of 2 in a row: alert raised/m);
    expect(out).toMatch(/^08:19:\d\d {2}Beacon opens incident #1/m);
    expect(out).toMatch(/^08:30:\d\d {2}Beacon opens incident #2/m);
    expect(out).toMatch(/had been open since 08:19,\s+11 minutes earlier/);
    // The story comes before the channel dump, in this order.
    const at = (re: RegExp) => out.search(re);
    expect(at(/08:18 {2}a routine update rotates/)).toBeLessThan(at(/^08:18:30 {2}probe/m));
    expect(at(/Beacon opens incident #1/)).toBeLessThan(at(/08:30 {2}monitoring fires/));
  });

  it('opens the probe incident within a minute of the rotation, before the transaction alert', () => {
    const { probe, alert, rotationAt } = report;
    expect(probe.incident.title).toBe(PROBE_TITLE);
    expect(probe.incident.labels).toMatchObject({ beacon_runbook: 'checkout-payments', beacon_probe: 'gateway-auth' });
    expect(probe.incident.group).toBe('probe:checkout-payments:gateway-auth');
    expect(probe.incident.number).toBe(1);
    expect(alert.incident.title).toBe('Checkout: successful payment transactions dropped 60%');
    expect(alert.incident.number).toBe(2);
    // On the demo clock: detected at the first failure (08:18:30), opened at 08:19, 11 min ahead.
    const ms = (iso: string) => Date.parse(iso) - rotationAt.getTime();
    expect(rotationAt.toISOString().slice(11, 19)).toBe('08:18:00');
    expect(ms(probe.incident.detectedAt)).toBeGreaterThanOrEqual(30_000);
    expect(ms(probe.incident.detectedAt)).toBeLessThan(31_000);
    expect(ms(probe.incident.createdAt)).toBeGreaterThan(0);
    expect(ms(probe.incident.createdAt)).toBeLessThanOrEqual(61_000);
    expect(ms(alert.incident.createdAt) - ms(probe.incident.createdAt)).toBeGreaterThanOrEqual(10 * 60_000);
    // In Slack's own order (wall clock): the probe's channel and first messages before the alert's channel.
    const created = report.sim.calls.filter((c) => c.method === 'conversations.create');
    expect(created.map((c) => String(c.params.name))).toEqual([probe.channel.name, alert.channel.name]);
    expect(posts(probe.channel.id)[0]!.at).toBeLessThan(created[1]!.at);
  });

  it('names the rotation in the first "what changed" and has step 1 failing in the first checklist', () => {
    const changes = firstPost(report.probe.channel.id, 'What changed');
    expect(changes).toContain('Rotate payment gateway API key during routine update');
    expect(changes).toMatch(/Credentials change 30 s before the incident/);
    const checklist = firstPost(report.probe.channel.id, 'checklist:checkout-payments:0');
    expect(checklist).toMatch(/Step 1\*: credentials rejected \(HTTP 401\)/);
    // The stand-in gateway: accepted the old key, refused it after the rotation, accepted it after the fix.
    const answers = report.gatewayAnswers;
    expect(answers[0]).toBe(200);
    expect(answers.slice(1, 3)).toEqual([401, 401]);
    expect(answers.at(-1)).toBe(200);
  });

  it("drafts the probe incident's postmortem from the probe's timeline", () => {
    const file = report.sim.messages(report.probe.channel.id).flatMap((m) => m.files ?? []).find((f) => /^postmortem-1-/.test(f.name ?? ''));
    const text = report.sim.fileContent(file!.id)!.toString('utf8');
    const timeline = text.slice(text.indexOf('## Timeline'), text.indexOf('## Root Cause and Resolution'));
    const lines = timeline.split('\n').filter((l) => l.startsWith('- '));
    expect(lines[0]).toBe('- 08:18 Credentials change to checkout: Rotate payment gateway API key during routine update (deploy-bot, v2024.06.03-1)');
    expect(lines[1]).toMatch(new RegExp(`^- 08:18 Detected: ${PROBE_TITLE.replace(/[()]/g, '\\$&')} \\(alert from probe\\)`));
    expect(timeline).toMatch(/- 08:19 Check gateway-auth fail: credentials rejected \(HTTP 401\)/);
    expect(timeline).toMatch(/- 08:35 Alert cleared: /);
    expect(timeline).toMatch(/- 08:38 Resolved by @alice/);
    // Every entry on the demo's clock, in order.
    const times = lines.map((l) => l.slice(2, 7));
    expect(times).toEqual([...times].sort());
    expect(times.every((t) => t >= '08:18' && t <= '08:39')).toBe(true);
    expect(text).toMatch(/\*\*Duration:\*\* .*08:18 - 08:38 UTC/);
  });

  it('leaves the shipped runbook and the process environment as they were', () => {
    expect(readFileSync(SHIPPED, 'utf8')).toBe(shippedBefore);
    expect(shippedBefore).not.toMatch(/every:/);
    expect(process.env.PAYMENT_GATEWAY_TOKEN).toBe(tokenBefore);
  });
});

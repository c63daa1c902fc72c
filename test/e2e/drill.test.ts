import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { BOT_TOKEN, RESPONDERS, SIGNING_SECRET, WEBHOOK_TOKEN, checkoutAlert, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, CAROL, ackText, command, doc, general, opened, type Opened } from './lifecycle-helpers.js';

/**
 * Issue 13, drills: the seed drill end to end on a shortened clock (DRILL_SPEED=600: the hint at
 * +15m comes 1.5 s after the start, the one at +75m 7.5 s after it). Events arrive in order,
 * nobody outside is pinged, nothing shows in `list` or `/metrics`, the scorecard has every figure;
 * a broken scenario is refused with its `file:line`. Then the database-failover drill, whose
 * change at +3m is said in the channel when due, marked DRILL; and with INCIDENT_ANNOUNCE_CHANNEL
 * set, neither drill (sev2, sev1: both announced severities) reaches the announce channel, while
 * the real incident after them does.
 */

const SPEED = 600;
const ESCALATION_MINUTES = 0.02;
const BROKEN = `---
name: broken
title: Broken
service: checkout
runbook: checkout-payments
root_cause: { step: s1 }
reference: { detected: "08:30", cause_found: "09:00" }
events:
  - at: soon
    alert: { title: Something fires }
---
`;

/** The channel a recorded call is about, if any. */
const channelOf = (c: RecordedCall) => (c.params.channel ?? c.params.channel_id) as string | undefined;

describe('a drill of the seed incident', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-drill-e2e-'));
  let b: TestBeacon;
  let sim: SlackSimulator;
  let announceId: string;
  let o: Opened;
  let failover: Opened;
  beforeAll(async () => {
    for (const f of ['checkout-credentials.md', 'database-failover.md']) copyFileSync(join('drills', f), join(dir, f));
    writeFileSync(join(dir, 'broken.md'), BROKEN);
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    announceId = sim.addChannel({ name: 'incidents', members: [ALICE, BOB] }).id;
    const announce = { INCIDENT_ANNOUNCE_CHANNEL: announceId, ANNOUNCE_SEVERITIES: 'sev1,sev2' };
    b = await startBeacon({ sim, env: { DRILLS_DIR: dir, DRILL_SPEED: String(SPEED), ESCALATION_MINUTES: String(ESCALATION_MINUTES), ...announce } });
  });
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const timeline = (id: string) => timelineEvents<TimelineEvent>(b.redis, keysOf(b), id);
  const says = (channelId: string) => b.sim.messages(channelId).map((m) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`);
  /** Every Slack call Beacon made, as text: for mentions of people who are not in the drill. */
  const allCalls = () => JSON.stringify(b.sim.calls.map((c) => ({ m: c.method, p: c.params })));

  it('lists the scenarios, and refuses a broken one and an unknown one with what is wrong', async () => {
    const list = await command(b, general(b), CAROL, 'drill');
    expect(list.body).toContain('checkout-credentials');
    expect(list.body).toContain('database-failover');
    expect(list.body).toContain(`${join(dir, 'broken.md')}:9`);

    const broken = ackText(await command(b, general(b), CAROL, 'drill broken'));
    expect(broken).toContain('The drill `broken` cannot run');
    expect(broken).toContain(`${join(dir, 'broken.md')}:9: \`events[0].at\`: "soon" is not a time: write it like -12m, +0m, +3m or +30s`);

    expect(ackText(await command(b, general(b), CAROL, 'drill checkout-credential'))).toMatch(/No drill scenario named `checkout-credential` \(did you mean `checkout-credentials`\?\)/);
    expect(b.sim.channels().some((c) => c.name.startsWith('drill-'))).toBe(false);
  });

  it('opens a drill- channel with only the starter in it, every message marked DRILL', async () => {
    expect(ackText(await command(b, general(b), CAROL, 'drill checkout-credentials'))).toMatch(/Starting the drill \*Checkout cannot take payments\*/);
    o = await opened(b, /^drill-\d{8}-checkout-cannot-take-payments$/);
    const inc = await doc(b, o.incidentId);
    expect(inc.drill).toMatchObject({ scenario: 'checkout-credentials', speed: SPEED });
    expect(inc.runbook).toBe('checkout-payments');

    const channel = b.sim.channel(o.channelId)!;
    expect(channel.members.filter((m) => RESPONDERS.includes(m))).toEqual([]);
    expect(channel.members).toContain(CAROL);
    const invited = b.sim.callsTo('conversations.invite').filter((c) => c.params.channel === o.channelId).map((c) => String(c.params.users));
    expect(invited).toEqual([CAROL]);
    expect(channel.topic.value).toMatch(/^DRILL \| sev2/);

    await waitFor(() => says(o.channelId).some((t) => /Drill started/.test(t)), { what: 'the drill started message' });
    const messages = b.sim.messages(o.channelId);
    expect(messages.length).toBeGreaterThanOrEqual(5);
    for (const m of messages) expect(m.text, JSON.stringify(m.blocks)).toMatch(/^DRILL/);
    const card = messages.find((m) => m.ts === o.cardTs)!;
    expect((card.blocks?.[0] as { text: { text: string } }).text.text).toMatch(/^DRILL · /);
    // What changed before it started: the drill's own rotation, 12 minutes (on its clock) before.
    expect(says(o.channelId).some((t) => /What changed before this started/.test(t) && /payment gateway API credentials replaced/.test(t))).toBe(true);
    expect(says(o.channelId).some((t) => /📋 Checkout cannot take payments/.test(t) && t.includes('DRILL · '))).toBe(true);
  });

  it('plays the scenario in order on its clock: the change, the alert through intake, then the hints', async () => {
    const events = await waitFor(
      async () => {
        const all = await timeline(o.incidentId);
        return all.filter((e) => e.kind === 'hint').length === 2 ? all : undefined;
      },
      { what: 'both hints', timeout: 30_000 },
    );
    const story = events.filter((e) => ['change', 'alert.firing', 'hint'].includes(String(e.kind)));
    expect(story.map((e) => e.kind)).toEqual(['change', 'alert.firing', 'hint', 'hint']);
    const start = Date.parse((await doc(b, o.incidentId)).detectedAt);
    const offsets = story.map((e) => Date.parse(e.at) - start);
    expect(offsets[0]).toBeCloseTo((-12 * 60_000) / SPEED, -2);
    expect(offsets[1]).toBe(0);
    expect(offsets[2]).toBeCloseTo((15 * 60_000) / SPEED, -2);
    expect(offsets[3]).toBeCloseTo((75 * 60_000) / SPEED, -2);
    expect(story[2]!.text).toMatch(/Customer support: complaints/);

    // The hint goes on the timeline, then into the channel: wait for the post.
    const inOrder = await waitFor(() => (says(o.channelId).some((t) => /Hint\* \(\+1h15m\)/.test(t)) ? says(o.channelId) : undefined), { what: 'the second hint posted' });
    const hint1 = inOrder.findIndex((t) => /Hint\* \(\+15m\)/.test(t));
    const hint2 = inOrder.findIndex((t) => /Hint\* \(\+1h15m\)/.test(t));
    expect(hint1).toBeGreaterThan(-1);
    expect(hint2).toBeGreaterThan(hint1);
    // The alert came through Beacon's intake, into the drill's own group, and shows in the alerts message.
    await waitFor(() => says(o.channelId).some((t) => /Alerts\*: 1 firing/.test(t) && /successful payment transactions dropped 60%/.test(t)), { what: 'the alerts message' });
    const alerts = await b.redis.hvals(keysOf(b).incidentAlerts(o.incidentId));
    expect(alerts.map((a) => JSON.parse(a).fingerprint)).toEqual([`drill:${o.incidentId}:checkout-payment-success-rate`]);
  });

  it('pings nobody outside: no escalation, no responder invited or mentioned, the changes kept to the drill', async () => {
    await sleep(ESCALATION_MINUTES * 60_000 * 3 + 500);
    expect(says(o.channelId).some((t) => /Escalation \d of 3/.test(t))).toBe(false);
    expect((await timeline(o.incidentId)).some((e) => e.kind === 'escalation')).toBe(false);
    for (const u of RESPONDERS) expect(allCalls()).not.toContain(`<@${u}>`);
    // The drill's change never reached the real change store; a real change does not reach the drill.
    expect(await b.redis.zcard(keysOf(b).changes('checkout'))).toBe(0);
    expect((await b.post('/webhooks/changes', { service: 'checkout', kind: 'deploy', summary: 'Real deploy of checkout v9' })).status).toBe(202);
    await waitFor(async () => (await b.redis.zcard(keysOf(b).changes('checkout'))) === 1, { what: 'the real change recorded' });
    await sleep(500);
    expect(says(o.channelId).some((t) => /Real deploy of checkout v9/.test(t))).toBe(false);
  });

  it('is not in /incident list nor in /metrics', async () => {
    expect(ackText(await command(b, general(b), ALICE, 'list'))).toMatch(/No open incidents/);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    for (const sev of ['sev1', 'sev2', 'sev3', 'sev4']) expect(metrics).toContain(`beacon_open_incidents{severity="${sev}"} 0`);
  });

  it('scores the drill on resolve: every figure beside the reference', async () => {
    expect(ackText(await command(b, o.channelId, CAROL, 'ack'))).toBe('');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged', { what: 'acknowledged' });
    const checklistTs = (await doc(b, o.incidentId)).slack.messages.checklist!;
    const tick = (values: string[]) =>
      b.sim.blockAction({ userId: CAROL, channelId: o.channelId, messageTs: checklistTs, actionId: 'checklist.toggle', blockId: 'checklist:checkout-payments:0', type: 'checkboxes', selectedOptions: values.map((value) => ({ value })) });
    // A misleading path first (restarting things), then the credentials step.
    await tick(['checkout-payments:s9']);
    await waitFor(async () => (await timeline(o.incidentId)).some((e) => e.kind === 'checklist.tick'), { what: 'first tick' });
    await tick(['checkout-payments:s9', 'checkout-payments:s1']);
    await waitFor(async () => (await timeline(o.incidentId)).filter((e) => e.kind === 'checklist.tick').length === 2, { what: 'second tick' });
    await command(b, o.channelId, CAROL, 'resolve Restored the previous payment gateway key');

    const card = await waitFor(() => says(o.channelId).find((t) => /Drill scorecard/.test(t)), { what: 'the scorecard', timeout: 30_000 });
    for (const part of ['Time to acknowledge', 'Time to the root cause', '(its step ticked)', 'Time to resolve', 'Steps ticked before the cause']) expect(card).toContain(part);
    expect(card).toContain('reference 5 min');
    expect(card).toContain('reference 1 h 30 min');
    expect(card).toContain('reference 1 h 45 min');
    expect(card).toContain('1 in this drill · 2 misleading paths in the reference');
    expect(card).toContain('Do not restart databases');
    expect(card).toContain('Restarted the database server and the web servers');
    expect(card).toMatch(/^DRILL/);
    expect(card).not.toContain('not reached');
    if (process.env.SHOW_DRILL) console.log(b.sim.transcript(o.channelId));

    // The scorecard is posted, then recorded: wait for the record rather than race it.
    const scored = await waitFor(async () => (await timeline(o.incidentId)).find((e) => e.kind === 'scorecard'), { what: 'the scorecard on the timeline' });
    expect(scored?.text).toMatch(/^acknowledged after .+ \(reference 5 min\); root cause found after .+ \(reference 1 h 30 min\); resolved after .+ \(reference 1 h 45 min\); 1 step ticked before the cause/);

    // The postmortem is a drill's too.
    const file = await waitFor(() => b.sim.callsTo('files.completeUploadExternal').find((c) => c.params.channel_id === o.channelId), { what: 'the postmortem upload' });
    expect(JSON.stringify(file.params)).toContain('DRILL · Postmortem draft');
    const md = await (await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } })).text();
    expect(md.split('\n')[0]).toBe('# DRILL · Postmortem: Checkout cannot take payments');
    // Its changes are the scenario's (the rotation at -12m), not the service's real ones.
    expect(md).toContain('payment gateway API credentials replaced');
    expect(md).not.toContain('Real deploy of checkout v9');
  });

  it('says a change that arrives after the start when due, on the drill clock, marked DRILL (database-failover, +3m)', async () => {
    expect(ackText(await command(b, general(b), CAROL, 'drill database-failover'))).toMatch(/Starting the drill \*Orders cannot be placed\*/);
    const f = await opened(b, /^drill-\d{8}-orders-cannot-be-placed$/);
    failover = f;
    const events = await waitFor(
      async () => {
        const all = await timeline(f.incidentId);
        return all.filter((e) => e.kind === 'hint').length === 2 ? all : undefined;
      },
      { what: 'both hints of the failover drill', timeout: 30_000 },
    );
    // By their time on the drill's clock: the alerts come through the intake queue, so one due
    // 100 ms before the change may reach the timeline just after it.
    const story = events.filter((e) => ['change', 'alert.firing', 'hint'].includes(String(e.kind))).sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
    expect(story.map((e) => e.kind)).toEqual(['change', 'alert.firing', 'alert.firing', 'change', 'hint', 'hint']);
    const start = Date.parse((await doc(b, f.incidentId)).detectedAt);
    const offsets = story.map((e) => Date.parse(e.at) - start);
    expect(offsets[0]).toBeCloseTo((-3 * 3_600_000) / SPEED, -2);
    expect(offsets[2]).toBeCloseTo((2 * 60_000) / SPEED, -2);
    expect(offsets[3]).toBeCloseTo((3 * 60_000) / SPEED, -2);
    expect(story[3]!.text).toMatch(/^Failover automation: orders-api connection string switched to db-2/);

    // Said in the channel as it arrived, after the alerts and before the hints, marked DRILL.
    const said = await waitFor(() => b.sim.messages(f.channelId).find((m) => /New infra change to \*orders-db\* during this incident/.test(m.text)), { what: 'the +3m change said' });
    expect(said.text).toMatch(/^DRILL · 🔧 New infra change to \*orders-db\* during this incident: Failover automation/);
    expect((said.blocks?.[0] as { text: { text: string } }).text.text).toMatch(/^🧯 \*DRILL\* · 🔧 New infra change/);
    const inOrder = await waitFor(() => (says(f.channelId).some((t) => /Hint\* \(\+20m\)/.test(t)) ? says(f.channelId) : undefined), { what: 'the failover hints posted' });
    const changeAt = inOrder.findIndex((t) => /New infra change to \*orders-db\*/.test(t));
    expect(changeAt).toBeGreaterThan(inOrder.findIndex((t) => /Drill started/.test(t)));
    expect(inOrder.findIndex((t) => /Hint\* \(\+8m\)/.test(t))).toBeGreaterThan(changeAt);
    // Before the start it is in "what changed"; the +3m one is not (it had not happened yet).
    const before = inOrder.find((t) => /What changed before this started/.test(t))!;
    expect(before).toContain('statement audit logging');
    expect(before).not.toContain('Failover automation');
    // Every Beacon message of the drill's channel says DRILL.
    for (const m of b.sim.messages(f.channelId)) expect(m.text, JSON.stringify(m.blocks)).toMatch(/^DRILL/);
    // Its change never reached the real change store either.
    expect(await b.redis.zcard(keysOf(b).changes('orders-db'))).toBe(0);
  });

  it('never announces: no call to INCIDENT_ANNOUNCE_CHANNEL for either drill, at announced severities', async () => {
    expect((await doc(b, o.incidentId)).severity).toBe('sev2');
    expect((await doc(b, failover.incidentId)).severity).toBe('sev1');
    // The seed drill went through ack, ticks and resolve: every card refresh asked the announce channel.
    expect((await doc(b, o.incidentId)).status).toBe('resolved');
    expect(b.sim.calls.filter((c) => channelOf(c) === announceId)).toEqual([]);
    expect(b.sim.messages(announceId)).toEqual([]);
  });

  it('leaves real incidents alone: a real checkout alert opens an incident of its own, with the responders', async () => {
    expect((await b.post('/webhooks/generic', checkoutAlert())).status).toBe(202);
    const real = await opened(b, /^inc-\d{8}-checkout-successful-payment-transactions/);
    expect(real.incidentId).not.toBe(o.incidentId);
    expect((await doc(b, real.incidentId)).drill).toBeUndefined();
    expect(ackText(await command(b, general(b), ALICE, 'list'))).toMatch(/1 open incident/);
    // The announce channel works: the real sev1 is announced there, once; the drills still are not.
    await waitFor(() => b.sim.messages(announceId).length === 1 || undefined, { what: 'the real incident announced' });
    expect(b.sim.messages(announceId).map((m) => m.text).join('\n')).not.toMatch(/DRILL|Orders cannot be placed/);
  });
});

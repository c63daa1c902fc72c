import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderAnchor } from '../../src/incidents/model.js';
import { jobIds } from '../../src/ids.js';

const { escalate: escalationJobId, remind: reminderJobId } = jobIds;
import { RESPONDERS, checkoutAlert, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, alertIncident, command, doc, incidentOfChannel, opened } from './lifecycle-helpers.js';

/**
 * Issue #4, "done when" 3: with ESCALATION_MINUTES=0.02 (1.2 s) an incident nobody acknowledges
 * is escalated, at most three times; an acknowledged one is not. And the lead's reminder when no
 * update was posted for a while (its 30-minute delayed job is promoted to run now).
 */
describe('escalation and reminders', () => {
  let b: TestBeacon;
  let queue: Queue;
  let conn: Redis;
  const INTERVAL_MS = 0.02 * 60_000;

  beforeAll(async () => {
    b = await startBeacon({ env: { ESCALATION_MINUTES: '0.02' } });
    conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('timers', { connection: conn, prefix: keysOf(b).queuePrefix });
  });
  afterAll(async () => {
    await queue?.close();
    conn?.disconnect();
    await b?.close();
  });

  const escalations = (channelId: string) => b.sim.messages(channelId).filter((m) => /Escalation \d of 3/.test(m.text));
  const timelineKinds = async (id: string) => (await timelineEvents<{ kind: string }>(b.redis, keysOf(b), id)).map((e) => e.kind);

  it('escalates an unacknowledged incident, mentioning the responders, and stops at three', async () => {
    const o = await alertIncident(b, 'esc-none');
    const third = await waitFor(() => escalations(o.channelId)[2], { what: 'third escalation', timeout: 30_000 });
    const all = escalations(o.channelId);
    expect(all.map((m) => /Escalation (\d) of 3/.exec(m.text)![1])).toEqual(['1', '2', '3']);
    for (const m of all) for (const u of RESPONDERS) expect(JSON.stringify(m.blocks)).toContain(`<@${u}>`);
    expect(JSON.stringify(third.blocks)).toContain('/incident ack');
    // Three more intervals: nothing more.
    await sleep(INTERVAL_MS * 3 + 500);
    expect(escalations(o.channelId)).toHaveLength(3);
    expect((await timelineKinds(o.incidentId)).filter((k) => k === 'escalation')).toHaveLength(3);
    expect(await queue.getJob(escalationJobId(o.incidentId, 4))).toBeUndefined();
  });

  it('does not escalate an incident acknowledged in time', async () => {
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Lifecycle esc-acked', fingerprint: 'fp-esc-acked', group: 'g-esc-acked', severity: 'sev3' }));
    // Acknowledge as soon as the channel exists, as a responder watching for it would.
    const ch = await waitFor(() => b.sim.channels().find((c) => /lifecycle-esc-acked$/.test(c.name)), { what: 'channel' });
    const id = await waitFor(() => incidentOfChannel(b, ch.id), { what: 'channel index' });
    await command(b, ch.id, ALICE, 'ack');
    await waitFor(async () => (await doc(b, id)).status === 'acknowledged');
    const inc = await doc(b, id);
    // The premise of this test: the acknowledgement came before the first escalation was due.
    expect(Date.parse(inc.acknowledgedAt!) - Date.parse(inc.createdAt)).toBeLessThan(INTERVAL_MS);
    await opened(b, /lifecycle-esc-acked$/);
    await sleep(INTERVAL_MS * 3 + 500);
    expect(escalations(ch.id)).toHaveLength(0);
    expect(await timelineKinds(id)).not.toContain('escalation');
  });

  it('an acknowledgement after the first escalation stops the rest', async () => {
    const o = await alertIncident(b, 'esc-late');
    await waitFor(() => escalations(o.channelId)[0], { what: 'first escalation', timeout: 30_000 });
    await b.sim.blockAction({ userId: BOB, channelId: o.channelId, messageTs: o.cardTs, actionId: 'incident.acknowledge' });
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
    const inc = await doc(b, o.incidentId);
    // The premise: the click landed before the second escalation was due.
    expect(Date.parse(inc.acknowledgedAt!) - Date.parse(inc.createdAt)).toBeLessThan(2 * INTERVAL_MS);
    await sleep(INTERVAL_MS * 3 + 500);
    expect(escalations(o.channelId)).toHaveLength(1);
  });

  it('nudges the lead when no update was posted for 30 minutes; an update restarts the clock', async () => {
    const o = await alertIncident(b, 'remind');
    await command(b, o.channelId, ALICE, 'ack');
    await waitFor(async () => (await doc(b, o.incidentId)).lead === ALICE);
    const first = reminderAnchor(await doc(b, o.incidentId));
    const job = await waitFor(() => queue.getJob(reminderJobId(o.incidentId, first, 1)), { what: 'reminder job' });
    expect(await job.isDelayed()).toBe(true);
    // Due 30 minutes after the incident opened.
    expect(job.opts.delay).toBeGreaterThan(29 * 60_000);
    await job.promote();
    const nudge = await waitFor(() => b.sim.messages(o.channelId).find((m) => /No status update for/.test(m.text)), { what: 'reminder' });
    expect(JSON.stringify(nudge.blocks)).toContain('<@U0000001>, no status update for');
    // The next nudge of the same quiet period is queued.
    await waitFor(() => queue.getJob(reminderJobId(o.incidentId, first, 2)), { what: 'second reminder job' });

    // An update starts a new quiet period: the old period's reminder does nothing when it runs.
    await command(b, o.channelId, ALICE, 'update Traffic drained from eu-west');
    await waitFor(async () => (await doc(b, o.incidentId)).lastUpdate);
    const second = reminderAnchor(await doc(b, o.incidentId));
    expect(second).not.toBe(first);
    await waitFor(() => queue.getJob(reminderJobId(o.incidentId, second, 1)), { what: 'reminder after the update' });
    const stale = await queue.getJob(reminderJobId(o.incidentId, first, 2));
    await stale!.promote();
    await waitFor(async () => (await stale!.getState()) === 'completed', { what: 'stale reminder ran' });
    expect(b.sim.messages(o.channelId).filter((m) => /No status update for/.test(m.text))).toHaveLength(1);
  });
});

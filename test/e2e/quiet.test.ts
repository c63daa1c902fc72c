import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../src/dev/slack-simulator.js';
import { reminderAnchor } from '../../src/incidents/model.js';
import { jobIds } from '../../src/ids.js';
import { QUEUES } from '../../src/jobs/catalog.js';
import { RESPONDERS, WEBHOOK_TOKEN, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, command, doc, opened } from './lifecycle-helpers.js';

/**
 * Issue 13, quiet by default: over a whole seed replay (alert, escalation, ack, the lead's
 * reminder, note, update, severity change, tick, a role and the lead handed over, mitigate,
 * resolve, summary, postmortem) Beacon mentions people only to ask them to act: the escalation
 * (each target once per level, in one message), the reminder to the lead (the lead alone) and
 * someone given the lead or a role by another person. Everything it posts is
 * counted: `chat.postMessage`, `chat.postEphemeral`, the postmortem's upload comment, and
 * `chat.update`. Slack notifies nobody for an edit; the only mentions an edit may carry are the
 * holders shown in the card's role fields and who ticked a checklist step.
 */
const DAVE = 'U0000004';
const MENTION = /<@[UW][A-Z0-9]+>|<!subteam\^[A-Z0-9]+>|<!(?:here|channel|everyone)>/g;

const textOf = (c: RecordedCall) => `${String(c.params.text ?? c.params.initial_comment ?? '')}\n${JSON.stringify(c.params.blocks ?? [])}`;
const mentionsIn = (s: string) => s.match(MENTION) ?? [];

/** What an edit shows of who holds a role (`*Lead*\n<@U…>`) or ticked a step (`Done by <@U…>`), taken out. */
const withoutHolders = (s: string) => s.replace(/\*[A-Z][a-z0-9_-]*\*\\n<@[UW][A-Z0-9]+>/g, '').replace(/Done by <@[UW][A-Z0-9]+>/g, '');

/** The reminder to the lead: `⏰ <@lead>, no status update for …`. */
const REMINDER = /⏰ <@[UW][A-Z0-9]+>, no status update for /;

describe('quiet by default', () => {
  let b: TestBeacon;
  let conn: Redis;
  let timers: Queue;
  beforeAll(async () => {
    b = await startBeacon({ env: { ESCALATION_MINUTES: '0.02', SUMMARY_INTERVAL_MINUTES: '0' } });
    conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    timers = new Queue(QUEUES.timers, { connection: conn, prefix: keysOf(b).queuePrefix });
  });
  afterAll(async () => {
    await timers?.close();
    conn?.disconnect();
    await b?.close();
  });

  const step = async (user: string, text: string, kind: string) => {
    const before = (await timelineEvents(b.redis, keysOf(b), id)).filter((e) => e.kind === kind).length;
    await command(b, channel, user, text);
    await waitFor(async () => (await timelineEvents(b.redis, keysOf(b), id)).filter((e) => e.kind === kind).length > before, { what: `${kind} after ${text}` });
  };
  let id = '';
  let channel = '';

  it('mentions only the escalation targets, the lead in its reminder and the people given a role', async () => {
    expect((await b.post('/webhooks/generic', checkoutAlert({ title: 'Quiet: checkout payments failing', fingerprint: 'quiet', group: 'quiet', severity: 'sev2' }))).status).toBe(202);
    const o = await opened(b, /quiet-checkout-payments-failing$/);
    id = o.incidentId;
    channel = o.channelId;
    // Nobody acknowledged: the escalation asks the responders.
    await waitFor(() => b.sim.messages(channel).some((m) => m.text.startsWith('Escalation 1 of 3')), { what: 'escalation 1', timeout: 10_000 });

    await step(ALICE, 'ack', 'acknowledged');
    // No update for a while: the reminder (its 30-minute delayed job promoted to run now) asks the lead.
    await waitFor(async () => (await doc(b, id)).lead === ALICE, { what: 'Alice leads' });
    const anchor = reminderAnchor(await doc(b, id));
    const reminderJob = await waitFor(() => timers.getJob(jobIds.remind(id, anchor, 1)), { what: 'reminder job' });
    await reminderJob.promote();
    await waitFor(() => b.sim.messages(channel).some((m) => /No status update for/.test(m.text)), { what: 'the reminder' });
    await step(ALICE, 'note Checking server health and logs', 'note');
    await step(ALICE, 'update About 60% of payments fail; looking at the gateway', 'update');
    await step(ALICE, 'sev 1', 'severity');
    const checklistTs = (await doc(b, id)).slack.messages.checklist!;
    await b.sim.blockAction({ userId: BOB, channelId: channel, messageTs: checklistTs, actionId: 'checklist.toggle', blockId: 'checklist:checkout-payments:0', type: 'checkboxes', selectedOptions: [{ value: 'checkout-payments:s1' }] });
    await waitFor(async () => (await timelineEvents(b.redis, keysOf(b), id)).some((e) => e.kind === 'checklist.tick'), { what: 'tick' });
    await step(ALICE, 'role comms <@U0000004|dave>', 'role');
    await step(ALICE, 'lead <@U0000002|bob>', 'lead');
    await step(BOB, 'mitigate Correct credentials restored', 'mitigated');
    await step(BOB, 'resolve Reverted to the correct credentials', 'resolved');
    await command(b, channel, BOB, 'summary');
    await waitFor(() => b.sim.messages(channel).some((m) => m.text.startsWith('Summary of incident')), { what: 'summary' });
    await waitFor(() => b.sim.callsTo('files.completeUploadExternal').some((c) => c.ok), { what: 'postmortem upload', timeout: 30_000 });
    expect((await fetch(`${b.url}/incidents/${id}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } })).status).toBe(200);
    // The card's last edit shows it resolved: everything above has been rendered.
    await waitFor(() => b.sim.callsTo('chat.update').some((c) => c.params.channel === channel && String(c.params.text).includes('Resolved')), { what: 'card resolved' });

    const posts = b.sim.calls.filter((c) => c.ok && ['chat.postMessage', 'chat.postEphemeral', 'files.completeUploadExternal'].includes(c.method));
    const mentioning = posts.map((c) => ({ text: textOf(c), mentions: mentionsIn(textOf(c)) })).filter((p) => p.mentions.length);
    const asks = mentioning.map((p) => {
      if (/Escalation \d of 3/.test(p.text)) return { kind: 'escalation', mentions: p.mentions };
      if (/handed the lead to|made <@/.test(p.text)) return { kind: 'assignment', mentions: p.mentions };
      if (REMINDER.test(p.text)) return { kind: 'reminder', mentions: p.mentions };
      return { kind: 'other', mentions: p.mentions, text: p.text.slice(0, 200) };
    });
    expect(asks.filter((a) => a.kind === 'other')).toEqual([]);

    // The escalation: every responder once, in one message per level.
    const escalations = asks.filter((a) => a.kind === 'escalation');
    expect(escalations.length).toBeGreaterThanOrEqual(1);
    for (const e of escalations) {
      expect([...e.mentions].sort()).toEqual(RESPONDERS.map((r) => `<@${r}>`).sort());
      // `text` (the notification) and the blocks carry the same one message: each target once in the blocks.
    }
    // The reminder: the lead, and nobody else (not the responders).
    expect(asks.filter((a) => a.kind === 'reminder').map((a) => [...new Set(a.mentions)])).toEqual([[`<@${ALICE}>`]]);
    // The assignments: the person given the role, not who gave it.
    expect(asks.filter((a) => a.kind === 'assignment').map((a) => [...new Set(a.mentions)])).toEqual([[`<@${DAVE}>`], [`<@${BOB}>`]]);

    // Edits: only the holders the card and the checklist show.
    const edits = b.sim.calls.filter((c) => c.ok && c.method === 'chat.update');
    expect(edits.length).toBeGreaterThan(5);
    expect(edits.flatMap((c) => mentionsIn(withoutHolders(textOf(c))).map((m) => `${m} in ${textOf(c).slice(0, 120)}`))).toEqual([]);
  });
});

import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, baseEnv, checkoutAlert, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';
import { ALICE, BOB, CAROL, command, doc, opened, type Opened } from './lifecycle-helpers.js';

/**
 * Issue #6, "done when" 2 to 5: the timeline over HTTP, against the running app and a real Redis.
 * A `:pushpin:` Slack delivers twice is recorded once, at the message's own time; periodic
 * summaries post only when something happened and stop with the incident; a worker SIGKILLed
 * mid-incident leaves a complete timeline; untrusted note text reaches the summary escaped.
 */

function timelineOf(b: TestBeacon, id: string): Promise<TimelineEvent[]> {
  return timelineEvents(b.redis, keysOf(b), id);
}

/** An alert incident of its own group, opened and ready for commands. */
async function incident(b: TestBeacon, slug: string, over: Record<string, unknown> = {}): Promise<Opened> {
  const res = await b.post('/webhooks/generic', checkoutAlert({ title: `Timeline ${slug}`, fingerprint: `tl-${slug}`, group: `tl-${slug}`, service: `svc-${slug}`, severity: 'sev3', ...over }));
  expect(res.status).toBe(202);
  return opened(b, new RegExp(`timeline-${slug}$`));
}

const isSummary = (m: { metadata?: { event_payload?: Record<string, unknown> } }) => /:summary:/.test(String(m.metadata?.event_payload?.key ?? ''));

async function getPostmortem(b: TestBeacon, id: string): Promise<string> {
  const res = await fetch(`${b.url}/incidents/${id}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('pinned messages', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('a :pushpin: delivered twice (a Slack retry) is on the timeline once, at the time of the message', async () => {
    const o = await incident(b, 'pin-retry');
    const text = 'Gateway answers 401 to every charge since 08:12';
    const msg = b.sim.userMessage({ userId: ALICE, channelId: o.channelId, text });
    await sleep(1500); // the reaction comes well after the message

    const event = { type: 'reaction_added', user: BOB, reaction: 'pushpin', item: { type: 'message', channel: o.channelId, ts: msg.ts }, item_user: ALICE };
    const reactedAt = Date.now();
    const first = await b.sim.event({ event, eventId: 'Ev0PINRETRY1' });
    const retry = await b.sim.event({ event, eventId: 'Ev0PINRETRY1', retryNum: 1, retryReason: 'http_timeout' });
    expect([first.status, retry.status]).toEqual([200, 200]);

    const pinned = await waitFor(
      async () => {
        const x = (await timelineOf(b, o.incidentId)).filter((e) => e.kind === 'pinned');
        return x.length ? x : null;
      },
      { what: 'pinned on the timeline' },
    );
    await sleep(1500); // time for a second copy to show up, if there were one
    const all = (await timelineOf(b, o.incidentId)).filter((e) => e.kind === 'pinned');
    expect(all).toHaveLength(1);
    const ev = all[0]!;
    expect(pinned[0]!.id).toBe(ev.id);
    expect(ev).toMatchObject({ actor: ALICE, text, data: { ts: msg.ts, markedBy: BOB } });
    // The message's own time, not the reaction's.
    const msgMs = Math.round(Number(msg.ts) * 1000);
    expect(Date.parse(ev.at)).toBe(msgMs);
    expect(reactedAt - Date.parse(ev.at)).toBeGreaterThanOrEqual(1400);

    // Someone else pinning the same message later adds nothing either.
    await b.sim.reactionAdded({ userId: CAROL, channelId: o.channelId, messageTs: msg.ts, reaction: 'pushpin' });
    await sleep(1500);
    expect((await timelineOf(b, o.incidentId)).filter((e) => e.kind === 'pinned')).toHaveLength(1);

    // Shown at the message's time: the summary's date token carries the message's second...
    await command(b, o.channelId, BOB, 'summary');
    const summary = await waitFor(() => b.sim.messages(o.channelId).find(isSummary), { what: 'summary' });
    const shown = JSON.stringify(summary.blocks);
    const line = new RegExp(`<!date\\^(\\d+)\\^\\{time\\}\\|[^>]*> Pinned message from [^:]*: ${text}`);
    expect(shown).toMatch(line);
    expect(Number(line.exec(shown)![1])).toBe(Math.floor(Number(msg.ts)));
    expect(shown.match(/Pinned message/g)).toHaveLength(1);
    // ...and the postmortem's line its HH:MM.
    const md = await getPostmortem(b, o.incidentId);
    const pinLines = md.split('\n').filter((l) => l.includes('Pinned message'));
    expect(pinLines).toHaveLength(1);
    expect(pinLines[0]).toMatch(new RegExp(`^- ${new Date(msgMs).toISOString().slice(11, 16)} Pinned message from @\\w+: ${text}$`));
  });

  // Known bug, outside the timeline code: SlackGateway.getMessage reads conversations.history,
  // which holds no thread replies, so ReportService.pin finds no message and records nothing.
  // The gateway needs a conversations.replies fallback; then turn this into a plain `it`.
  it('a :pushpin: on a reply in a thread puts the reply on the timeline', async () => {
    const o = await incident(b, 'pin-thread');
    const parent = b.sim.userMessage({ userId: ALICE, channelId: o.channelId, text: 'Looking at the gateway' });
    const reply = b.sim.userMessage({ userId: BOB, channelId: o.channelId, text: 'Found it: the API key was rotated at 08:18', threadTs: parent.ts });
    expect((await b.sim.reactionAdded({ userId: ALICE, channelId: o.channelId, messageTs: reply.ts, reaction: 'pushpin' })).status).toBe(200);
    const ev = await waitFor(async () => (await timelineOf(b, o.incidentId)).find((e) => e.kind === 'pinned'), { what: 'pinned reply', timeout: 6000 });
    expect(ev).toMatchObject({ actor: BOB, text: 'Found it: the API key was rotated at 08:18', at: new Date(Math.round(Number(reply.ts) * 1000)).toISOString() });
  });

  it('other reactions, and pushpins outside incident channels, add nothing', async () => {
    const o = await incident(b, 'pin-other');
    const msg = b.sim.userMessage({ userId: ALICE, channelId: o.channelId, text: 'not a milestone' });
    await b.sim.reactionAdded({ userId: BOB, channelId: o.channelId, messageTs: msg.ts, reaction: 'eyes' });
    const general = b.sim.channelByName('general')!.id;
    const outside = b.sim.userMessage({ userId: ALICE, channelId: general, text: 'lunch?' });
    await b.sim.reactionAdded({ userId: BOB, channelId: general, messageTs: outside.ts, reaction: 'pushpin' });
    await sleep(1500);
    expect((await timelineOf(b, o.incidentId)).filter((e) => e.kind === 'pinned')).toHaveLength(0);
  });
});

describe('periodic summaries (SUMMARY_INTERVAL_MINUTES=0.02: every 1.2 s)', () => {
  const INTERVAL = 1200;
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ env: { SUMMARY_INTERVAL_MINUTES: '0.02' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  const summaries = (o: Opened) => b.sim.messages(o.channelId).filter(isSummary);
  const schedulers = async () => {
    const connection = b.redis.duplicate();
    const q = new Queue('timers', { connection, prefix: keysOf(b).queuePrefix });
    try {
      return await q.getJobSchedulers();
    } finally {
      await q.close();
      connection.disconnect();
    }
  };

  it('posts when something happened, not while nothing does, escapes notes, and stops for good on resolve', async () => {
    const o = await incident(b, 'summaries');
    await waitFor(() => summaries(o).length >= 1, { what: 'the first periodic summary', timeout: 30_000 });
    expect(JSON.stringify(await schedulers())).toContain(`summary-${o.incidentId}`);
    // The opening's own follow-ups (runbook checks) may still land and earn one more summary:
    // wait until they are on the timeline and a couple of intervals have passed.
    await waitFor(async () => (await timelineOf(b, o.incidentId)).some((e) => e.kind === 'check.result'), { what: 'runbook checks', timeout: 30_000 });
    await sleep(3 * INTERVAL);

    // Nothing happens for several intervals: no new summary.
    const quiet = summaries(o).length;
    await sleep(5 * INTERVAL);
    expect(summaries(o)).toHaveLength(quiet);
    const runs = (await timelineOf(b, o.incidentId)).filter((e) => e.kind === 'summary').length;
    expect(runs).toBe(quiet); // each posted summary recorded once; skipped runs record nothing

    // One note: exactly one more summary, listing it, its text escaped.
    await command(b, o.channelId, ALICE, 'note Paging <!channel> &amp; <@U999> about the gateway');
    const note = await waitFor(async () => (await timelineOf(b, o.incidentId)).find((e) => e.kind === 'note'), { what: 'note' });
    expect(note.text).toBe('Paging <!channel> & <@U999> about the gateway');
    await waitFor(() => summaries(o).length === quiet + 1, { what: 'one more summary', timeout: 20_000 });
    await sleep(5 * INTERVAL);
    expect(summaries(o)).toHaveLength(quiet + 1);
    const s = summaries(o).at(-1)!;
    const shown = `${s.text}\n${JSON.stringify(s.blocks)}`;
    expect(shown).toContain('*Since the last summary*');
    expect(shown).toContain('Paging &lt;!channel&gt; &amp; &lt;@U999&gt; about the gateway');
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('<@U999>');
    expect(shown).not.toMatch(/&(?!amp;|lt;|gt;)/); // no bare `&` anywhere

    // Resolve: the scheduler goes, and no summary follows, however long we wait.
    await command(b, o.channelId, BOB, 'resolve fixed');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved', { what: 'resolved' });
    await waitFor(async () => !JSON.stringify(await schedulers()).includes(`summary-${o.incidentId}`), { what: 'job scheduler removed' });
    await sleep(INTERVAL); // a run that started before the resolve may finish
    const atResolve = summaries(o).length;
    await sleep(5 * INTERVAL);
    expect(summaries(o)).toHaveLength(atResolve);
    expect(atResolve).toBeLessThanOrEqual(quiet + 2);
    expect(JSON.stringify(await schedulers())).not.toContain(`summary-${o.incidentId}`);
  });

  it('a message pinned after a later summary still earns a summary of its own', async () => {
    // The pinned event is dated at the message (before the last summary), yet was recorded after it.
    const o = await incident(b, 'late-pin');
    await waitFor(async () => (await timelineOf(b, o.incidentId)).some((e) => e.kind === 'check.result'), { what: 'runbook checks', timeout: 30_000 });
    const msg = b.sim.userMessage({ userId: ALICE, channelId: o.channelId, text: 'Gateway key version differs from the vault' });
    await sleep(50);
    await command(b, o.channelId, BOB, 'note looking into the key versions');
    await waitFor(() => summaries(o).some((m) => JSON.stringify(m.blocks).includes('looking into the key versions')), { what: 'summary with the note', timeout: 20_000 });
    await sleep(3 * INTERVAL);
    const before = summaries(o).length;

    await b.sim.reactionAdded({ userId: BOB, channelId: o.channelId, messageTs: msg.ts, reaction: 'pushpin' });
    await waitFor(async () => (await timelineOf(b, o.incidentId)).some((e) => e.kind === 'pinned'), { what: 'pinned' });
    const next = await waitFor(() => summaries(o)[before], { what: 'a summary after the pin', timeout: 20_000 });
    expect(JSON.stringify(next.blocks)).toMatch(/Pinned message from (<@U0000001>|@alice): Gateway key version differs from the vault/);
    await sleep(4 * INTERVAL);
    expect(summaries(o)).toHaveLength(before + 1);
    await command(b, o.channelId, BOB, 'resolve done');
  });
});

describe('timeline across a worker SIGKILL', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;
  let env: Record<string, string>;
  const children: Child[] = [];

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    b = await startBeacon({ sim, worker: false });
    env = baseEnv({ SLACK_API_URL: sim.url, REDIS_KEY_PREFIX: b.config.redis.prefix, JOB_LOCK_SECONDS: '2', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await b?.close();
    await sim?.stop();
  });

  const startWorker = async () => {
    const child = runEntry('src/worker.ts', env);
    children.push(child);
    await waitForOutput(child, /worker running/, 60_000);
    return child;
  };
  const alert = (fingerprint: string, title: string, status = 'firing') =>
    b.post('/webhooks/generic', { title, fingerprint, group: 'tl-crash', service: 'ledger', severity: 'sev2', status });

  it('every command, note, alert and pin of the incident is on the timeline exactly once after a restart', async () => {
    const first = await startWorker();
    expect((await alert('tl-crash-1', 'Ledger writes failing')).status).toBe(202);
    const o = await opened(b, /ledger-writes-failing$/);
    const cmd = async (user: string, text: string) => expect((await command(b, o.channelId, user, text)).status).toBe(200);

    // Before the crash: things the worker has done.
    await cmd(ALICE, 'note n1 checked the ledger dashboards');
    await cmd(ALICE, 'ack');
    await waitFor(() => sim.messages(o.channelId).some((m) => /acknowledged the incident/.test(m.text)), { what: 'ack announced' });

    // The crash: a burst of work queued, the worker killed while it posts the update's announcement
    // (Slack made the message, Beacon never heard back).
    const held = sim.hold('chat.postMessage');
    await cmd(BOB, 'update u1 failing over the ledger primary');
    await cmd(ALICE, 'note n2 replica lag is 40 s');
    await cmd(BOB, 'task t1 alert on replica lag');
    expect((await alert('tl-crash-2', 'Ledger replica lag high')).status).toBe(202);
    const pinMsg = sim.userMessage({ userId: CAROL, channelId: o.channelId, text: 'p1 primary disk is full' });
    expect((await sim.reactionAdded({ userId: BOB, channelId: o.channelId, messageTs: pinMsg.ts, reaction: 'pushpin' })).status).toBe(200);
    expect(String((await held.reached).params.text)).toContain('u1 failing over the ledger primary');
    await first.kill('SIGKILL');
    held.release();

    // While no worker runs: more work waits in Redis.
    await cmd(ALICE, 'note n3 freed disk space on the primary');
    await cmd(ALICE, 'sev 1');
    expect((await alert('tl-crash-3', 'Ledger API 5xx')).status).toBe(202);
    expect((await alert('tl-crash-1', 'Ledger writes failing', 'resolved')).status).toBe(202);
    await cmd(BOB, 'task t2 page on disk above 90%');

    const second = await startWorker();
    await cmd(BOB, 'mitigate m1 writes flowing again');

    const expected: [TimelineEvent['kind'], string][] = [
      ['incident.opened', 'Ledger writes failing'],
      ['alert.firing', 'Ledger writes failing'],
      ['note', 'n1 checked the ledger dashboards'],
      ['acknowledged', ''],
      ['update', 'u1 failing over the ledger primary'],
      ['note', 'n2 replica lag is 40 s'],
      ['task', 't1 alert on replica lag'],
      ['alert.firing', 'Ledger replica lag high'],
      ['pinned', 'p1 primary disk is full'],
      ['note', 'n3 freed disk space on the primary'],
      ['severity', 'sev1'],
      ['alert.firing', 'Ledger API 5xx'],
      ['alert.resolved', 'Ledger writes failing'],
      ['task', 't2 page on disk above 90%'],
      ['mitigated', 'm1 writes flowing again'],
    ];
    const count = (events: TimelineEvent[], [kind, text]: (typeof expected)[number]) => events.filter((e) => e.kind === kind && e.text === text).length;
    await waitFor(
      async () => {
        const events = await timelineOf(b, o.incidentId);
        return expected.every((x) => count(events, x) >= 1);
      },
      { what: 'every event on the timeline', timeout: 60_000, interval: 200 },
    ).catch(async (err) => {
      const events = await timelineOf(b, o.incidentId);
      console.error('missing:', JSON.stringify(expected.filter((x) => count(events, x) < 1)), '\ntimeline:', JSON.stringify(events.map((e) => [e.kind, e.text])));
      console.error('worker output:\n', children.map((c) => c.output().slice(-6000)).join('\n-----\n'));
      throw err;
    });
    // Whatever was retried after the restart has had time to run again.
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'mitigated', { what: 'mitigated' });
    await sleep(3000);

    const events = await timelineOf(b, o.incidentId);
    for (const x of expected) expect(count(events, x), `${x[0]} ${String(x[1])}`).toBe(1);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect((await doc(b, o.incidentId)).severity).toBe('sev1');
    // The announcement the dead worker was posting exists once, not twice.
    expect(sim.messages(o.channelId).filter((m) => m.text.includes('u1 failing over the ledger primary'))).toHaveLength(1);

    // And the postmortem lists each of them once, in order.
    const md = await getPostmortem(b, o.incidentId);
    for (const s of ['n1 checked', 'u1 failing over', 'n2 replica lag', 'Follow-up task: t1', 'Alert firing: Ledger replica lag high', 'p1 primary disk', 'n3 freed', 'Alert firing: Ledger API 5xx', 'Alert cleared: Ledger writes failing', 'Follow-up task: t2', 'm1 writes flowing']) {
      expect(md.split('\n').filter((l) => l.startsWith('- ') && l.includes(s)), s).toHaveLength(1);
    }
    await second.kill('SIGTERM');
  }, 180_000);
});

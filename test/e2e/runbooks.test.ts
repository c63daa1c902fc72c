import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimMessage } from '../../src/dev/slack-simulator.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import { checkoutAlert, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, ackText, command, doc, opened, type Opened } from './lifecycle-helpers.js';

/**
 * Issue #5, "done when" 2, 3 and 4: runbooks in the incident flow, driven over HTTP (webhooks,
 * signed slash commands and block_actions from the simulator) against a real Redis, with the
 * worker in this process.
 */

// The shipped checkout runbook's `http` check reads this; unset, it reports the missing variable
// instead of calling the real gateway from a test.
delete process.env.PAYMENT_GATEWAY_TOKEN;

const FORM = 'application/x-www-form-urlencoded';
const WAIT = { timeout: 30_000 };

interface TimelineEntry {
  id: string;
  kind: string;
  at: string;
  actor?: string;
  text: string;
  data?: Record<string, unknown>;
}

interface Option {
  value: string;
  text: { text: string };
  description?: { text: string };
}

/** The incident's timeline, read straight from its Redis stream. */
function timeline(b: TestBeacon, incidentId: string): Promise<TimelineEntry[]> {
  return timelineEvents<TimelineEntry>(b.redis, keysOf(b), incidentId);
}

const entriesOf = (tl: TimelineEntry[], kind: string, runbook: string, stepId: string) =>
  tl.filter((e) => e.kind === kind && e.data?.runbook === runbook && e.data?.stepId === stepId);

/** A message as it is now (edits applied). */
function message(b: TestBeacon, channelId: string, ts: string): SimMessage {
  const m = b.sim.messages(channelId).find((x) => x.ts === ts);
  if (!m) throw new Error(`no message ${ts} in ${channelId}`);
  return m;
}

/** The checkboxes element of a checklist block, as the message shows it now. */
function checkboxes(m: SimMessage, blockId: string): { options: Option[]; initial_options?: Option[] } {
  const block = (m.blocks ?? []).find((x) => sameBlock(x.block_id, blockId)) as { elements?: { type: string }[] } | undefined;
  const el = block?.elements?.find((e) => e.type === 'checkboxes');
  if (!el) throw new Error(`no checkboxes in block ${blockId}`);
  return el as unknown as { options: Option[]; initial_options?: Option[] };
}

/** A checklist block's id gains `:<ticks digest>` once steps are ticked (a new block_id per iteration, as Slack asks). */
const sameBlock = (id: unknown, blockId: string) => id === blockId || String(id).startsWith(`${blockId}:`);
const ticked = (m: SimMessage, blockId: string) => (checkboxes(m, blockId).initial_options ?? []).map((o) => o.value);
const optionOf = (m: SimMessage, blockId: string, value: string) => checkboxes(m, blockId).options.find((o) => o.value === value);
const descriptionOf = (m: SimMessage, blockId: string, value: string) => optionOf(m, blockId, value)?.description?.text ?? '';

/**
 * A person ticks (or unticks) one checkbox of a checklist message. Slack sends, as
 * `selected_options`, every option of that block selected after the click: the ones the message
 * showed ticked, plus or minus this one.
 */
function toggle(b: TestBeacon, channelId: string, ts: string, blockId: string, userId: string, value: string, done: boolean) {
  const before = ticked(message(b, channelId, ts), blockId);
  const after = done ? [...new Set([...before, value])] : before.filter((v) => v !== value);
  return b.sim.blockAction({
    userId,
    channelId,
    messageTs: ts,
    actionId: 'checklist.toggle',
    blockId: String((message(b, channelId, ts).blocks ?? []).find((x) => sameBlock(x.block_id, blockId))?.block_id ?? blockId),
    selectedOptions: after.map((v) => ({ value: v })),
  });
}

async function openIncident(b: TestBeacon, title: string, over: Record<string, unknown>): Promise<Opened> {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const res = await b.post('/webhooks/generic', checkoutAlert({ title, fingerprint: `fp-${slug}`, group: `g-${slug}`, ...over }));
  expect(res.status).toBe(202);
  return opened(b, new RegExp(`${slug}$`));
}

/** The incident's checklist message ts, once posted. */
async function checklistTs(b: TestBeacon, incidentId: string): Promise<string> {
  return waitFor(async () => (await doc(b, incidentId)).slack.messages.checklist, { what: 'checklist message', ...WAIT });
}

describe('runbooks in the incident flow (the shipped runbooks)', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ env: { RUNBOOKS_DIR: 'runbooks' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  // Done when 2: the seed incident, opened with the credentials change on screen.
  it('a checkout alert opens with the credentials change of 12 minutes before, then the checkout-payments checklist', async () => {
    const changeAt = new Date(Date.now() - 12 * 60_000).toISOString();
    const summary = 'Rotate payment gateway API key during routine update';
    const change = await b.post('/webhooks/changes', { service: 'checkout', kind: 'credentials', summary, author: 'deploy-bot', version: 'v2024.06.03-1', at: changeAt });
    expect(change.status).toBe(202);

    const res = await b.post('/webhooks/generic', checkoutAlert());
    expect(res.status).toBe(202);
    const o = await opened(b, /checkout-successful-payment-transactions-dropped-60$/);
    const inc = await doc(b, o.incidentId);
    expect(inc.runbook).toBe('checkout-payments');

    // Beacon's messages in order (Slack's join/pin/topic notices left out): card, what changed, checklist, alerts.
    const msgs = b.sim.messages(o.channelId);
    const card = msgs.findIndex((m) => m.ts === o.cardTs);
    expect(card).toBe(0);
    const [changes, checklist] = [msgs[card + 1]!, msgs[card + 2]!];
    expect(changes.ts).toBe(inc.slack.messages.changes);
    expect(checklist.ts).toBe(inc.slack.messages.checklist);

    const changesText = JSON.stringify(changes.blocks);
    expect(changesText).toContain('🔎 What changed before this started');
    expect(changesText).toContain('Credentials change 12 min before the incident');
    expect(changesText).toContain(summary);
    expect(changesText).toContain('by deploy-bot');
    expect(changes.text).toBe(`⚠️ credentials change 12 min before the incident: ${summary}`);

    expect(checklist.blocks?.[0]).toMatchObject({ type: 'header', text: { text: '📋 Checkout cannot take payments' } });
    const steps = checkboxes(checklist, 'checklist:checkout-payments:0').options;
    expect(steps.map((s) => s.value)).toEqual(Array.from({ length: 10 }, (_, i) => `checkout-payments:s${i + 1}`));
    expect(steps[0]!.text.text).toMatch(/^Verify the payment gateway accepts our credentials/);
    expect(checkboxes(checklist, 'checklist:checkout-payments:1').options.map((s) => s.value)).toEqual(['checkout-payments:s11', 'checkout-payments:s12']);

    // As a person reads the channel: the card, then what changed, then the checklist.
    const t = b.sim.transcript(o.channelId);
    const at = (s: string) => t.indexOf(s);
    expect(at('Checkout: successful payment transactions dropped 60%')).toBeGreaterThanOrEqual(0);
    expect(at('What changed before this started')).toBeGreaterThan(at('Checkout: successful payment transactions dropped 60%'));
    expect(at('Checkout cannot take payments')).toBeGreaterThan(at('What changed before this started'));

    // The change is on the timeline, and the runbook's own check names it on step 2.
    const tl = await timeline(b, o.incidentId);
    expect(tl.find((e) => e.kind === 'change')).toMatchObject({ text: summary, actor: 'deploy-bot', data: { kind: 'credentials', service: 'checkout' } });
    await waitFor(() => descriptionOf(message(b, o.channelId, checklist.ts), 'checklist:checkout-payments:0', 'checkout-payments:s2').includes('credentials change 12 min before the incident'), {
      what: 'recent-changes result on step 2',
      ...WAIT,
    });
    // The gateway check had no token to send and says so rather than calling anyone.
    expect(descriptionOf(message(b, o.channelId, checklist.ts), 'checklist:checkout-payments:0', 'checkout-payments:s1')).toContain('PAYMENT_GATEWAY_TOKEN is not set');
  });

  it('an alert of a service no runbook names gets the default runbook', async () => {
    const o = await openIncident(b, 'Ledger e2e sync stalled', { service: 'ledger-e2e', severity: 'warning', labels: {} });
    const inc = await doc(b, o.incidentId);
    expect(inc.runbook).toBe('default');
    const msgs = b.sim.messages(o.channelId);
    expect(msgs[0]!.ts).toBe(o.cardTs);
    expect(msgs[1]!.ts).toBe(inc.slack.messages.changes);
    expect(msgs[1]!.text).toMatch(/^No deploys or config changes recorded for ledger-e2e in the 6 h before this started/);
    expect(msgs[2]!.ts).toBe(inc.slack.messages.checklist);
    expect(msgs[2]!.blocks?.[0]).toMatchObject({ type: 'header', text: { text: '📋 Triage: what changed, are the integrations answering?' } });
    expect(checkboxes(msgs[2]!, 'checklist:default:0').options[0]!.text.text).toMatch(/^List every deploy and config change of the last 6 hours/);
  });

  // Done when 3: ticks and unticks, with who and when, on the message and the timeline.
  it('ticking and unticking a step updates the message (who, when) and the timeline', async () => {
    const o = await openIncident(b, 'Checkout e2e ticks', { service: 'checkout' });
    const ts = await checklistTs(b, o.incidentId);
    const block = 'checklist:checkout-payments:0';
    const s1 = 'checkout-payments:s1';
    const s2 = 'checkout-payments:s2';
    const updatesBefore = b.sim.callsTo('chat.update').filter((c) => c.params.ts === ts && c.ok).length;

    // Alice ticks step 1: Slack sends the options now selected in that block, here just s1.
    const res = await toggle(b, o.channelId, ts, block, ALICE, s1, true);
    expect(res.status).toBe(200);
    await waitFor(() => ticked(message(b, o.channelId, ts), block).includes(s1), { what: 'step 1 ticked on the message', ...WAIT });
    let tl = await timeline(b, o.incidentId);
    const tick1 = entriesOf(tl, 'checklist.tick', 'checkout-payments', 's1');
    expect(tick1).toHaveLength(1);
    expect(tick1[0]).toMatchObject({ actor: ALICE, text: expect.stringMatching(/^Verify the payment gateway accepts our credentials/) });
    const hhmm = tick1[0]!.at.slice(11, 16);
    let m = message(b, o.channelId, ts);
    expect(descriptionOf(m, block, s1)).toMatch(new RegExp(`^Done by <@${ALICE}> at ${hhmm} UTC`));
    expect(JSON.stringify(m.blocks)).toContain('*1/12 done*');
    expect(b.sim.callsTo('chat.update').filter((c) => c.params.ts === ts && c.ok).length).toBeGreaterThan(updatesBefore);
    // The stored tick says the same.
    const stored = JSON.parse((await b.redis.hget(keysOf(b).checklist(o.incidentId), 'tick:checkout-payments:s1'))!);
    expect(stored).toMatchObject({ done: true, by: ALICE, at: tick1[0]!.at });

    // Bob ticks step 2: the payload carries s1 and s2; only s2 is a new tick.
    await toggle(b, o.channelId, ts, block, BOB, s2, true);
    await waitFor(() => ticked(message(b, o.channelId, ts), block).includes(s2), { what: 'step 2 ticked', ...WAIT });
    m = message(b, o.channelId, ts);
    expect(descriptionOf(m, block, s1)).toMatch(new RegExp(`^Done by <@${ALICE}>`));
    expect(descriptionOf(m, block, s2)).toMatch(new RegExp(`^Done by <@${BOB}> at \\d\\d:\\d\\d UTC`));
    expect(JSON.stringify(m.blocks)).toContain('*2/12 done*');
    tl = await timeline(b, o.incidentId);
    expect(entriesOf(tl, 'checklist.tick', 'checkout-payments', 's1')).toHaveLength(1);
    expect(entriesOf(tl, 'checklist.tick', 'checkout-payments', 's2')).toEqual([expect.objectContaining({ actor: BOB })]);

    // Alice unticks step 1: the payload carries only s2.
    await toggle(b, o.channelId, ts, block, ALICE, s1, false);
    await waitFor(() => !ticked(message(b, o.channelId, ts), block).includes(s1), { what: 'step 1 unticked', ...WAIT });
    m = message(b, o.channelId, ts);
    expect(ticked(m, block)).toEqual([s2]);
    expect(descriptionOf(m, block, s1)).not.toContain('Done by');
    expect(JSON.stringify(m.blocks)).toContain('*1/12 done*');
    tl = await timeline(b, o.incidentId);
    expect(entriesOf(tl, 'checklist.untick', 'checkout-payments', 's1')).toEqual([expect.objectContaining({ actor: ALICE })]);
    expect(entriesOf(tl, 'checklist.tick', 'checkout-payments', 's2')).toHaveLength(1);
  });

  it('the same block_actions delivery sent twice (same action_ts) records once', async () => {
    const o = await openIncident(b, 'Checkout e2e retried tick', { service: 'checkout' });
    const ts = await checklistTs(b, o.incidentId);
    const block = 'checklist:checkout-payments:0';
    const s3 = 'checkout-payments:s3';

    const spy = vi.spyOn(b.sim, 'signedPost');
    await toggle(b, o.channelId, ts, block, ALICE, s3, true);
    const body = spy.mock.calls.at(-1)![0];
    spy.mockRestore();
    expect(JSON.parse(new URLSearchParams(body).get('payload')!).actions[0]).toMatchObject({ action_id: 'checklist.toggle', block_id: block });

    // Slack's retry: the very same payload (same action_ts), signed again, at once and later.
    expect((await b.sim.signedPost(body, FORM)).status).toBe(200);
    await waitFor(() => ticked(message(b, o.channelId, ts), block).includes(s3), { what: 'step 3 ticked', ...WAIT });
    expect((await b.sim.signedPost(body, FORM)).status).toBe(200);
    await sleep(2000);
    let tl = await timeline(b, o.incidentId);
    expect(entriesOf(tl, 'checklist.tick', 'checkout-payments', 's3')).toHaveLength(1);

    // A new click (a new action_ts) unticks; the old delivery arriving once more does not tick it again.
    await toggle(b, o.channelId, ts, block, BOB, s3, false);
    await waitFor(() => !ticked(message(b, o.channelId, ts), block).includes(s3), { what: 'step 3 unticked', ...WAIT });
    expect((await b.sim.signedPost(body, FORM)).status).toBe(200);
    await sleep(2000);
    tl = await timeline(b, o.incidentId);
    expect(entriesOf(tl, 'checklist.tick', 'checkout-payments', 's3')).toHaveLength(1);
    expect(entriesOf(tl, 'checklist.untick', 'checkout-payments', 's3')).toHaveLength(1);
    expect(ticked(message(b, o.channelId, ts), block)).toEqual([]);
  });

  it('/incident runbook <name> attaches a second runbook whose checklist appears in the channel', async () => {
    const o = await openIncident(b, 'Checkout e2e second runbook', { service: 'checkout' });
    await checklistTs(b, o.incidentId);
    const header = '📋 External provider failing';
    const checklistsNamed = () => b.sim.messages(o.channelId).filter((m) => (m.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text === header);

    expect(ackText(await command(b, o.channelId, ALICE, 'runbook third-party-outage'))).toMatch(/Attaching `third-party-outage`/);
    const second = await waitFor(() => checklistsNamed()[0], { what: 'second checklist', ...WAIT });
    expect(checkboxes(second, 'checklist:third-party-outage:0').options[0]!.text.text).toMatch(/^Rule out our side/);
    // After the first checklist, not in place of it.
    const msgs = b.sim.messages(o.channelId);
    expect(msgs.findIndex((m) => m.ts === second.ts)).toBeGreaterThan(msgs.findIndex((m) => m.ts === o.cardTs) + 2);
    expect((await doc(b, o.incidentId)).runbook).toBe('checkout-payments');
    expect(ackText(await command(b, o.channelId, ALICE, 'runbook'))).toMatch(/✅ `checkout-payments`[\s\S]*✅ `third-party-outage`/);
    expect((await timeline(b, o.incidentId)).filter((e) => e.kind === 'runbook.attached')).toEqual([expect.objectContaining({ id: 'runbook:third-party-outage' })]);

    // Its own check ran, and its steps tick like the first checklist's.
    const block = 'checklist:third-party-outage:0';
    // (checkout's credentials change from the first test may be in its window: any result will do.)
    await waitFor(async () => entriesOf(await timeline(b, o.incidentId), 'check.result', 'third-party-outage', 's1').length === 1, { what: 'check of the second runbook', ...WAIT });
    await waitFor(() => /^(✅|⚠️) /u.test(descriptionOf(message(b, o.channelId, second.ts), block, 'third-party-outage:s1')), {
      what: 'recent-changes result on the second checklist',
      ...WAIT,
    });
    await toggle(b, o.channelId, second.ts, block, BOB, 'third-party-outage:s2', true);
    await waitFor(() => descriptionOf(message(b, o.channelId, second.ts), block, 'third-party-outage:s2').startsWith(`Done by <@${BOB}>`), { what: 'tick on the second checklist', ...WAIT });
    expect(entriesOf(await timeline(b, o.incidentId), 'checklist.tick', 'third-party-outage', 's2')).toHaveLength(1);

    // Typed again: still one checklist of that runbook.
    await command(b, o.channelId, BOB, 'runbook third-party-outage');
    await sleep(2000);
    expect(checklistsNamed()).toHaveLength(1);
  });
});

// Done when 4: `http` checks against local servers, the credentials from the environment.
describe('automated http checks (fixture runbook, local gateway servers)', () => {
  const SECRET = `e2e-gw-secret-${randomBytes(12).toString('hex')}`;
  const rejected: { url?: string; authorization?: string }[] = [];
  const silentSeen: { url?: string; authorization?: string }[] = [];
  let rejecting: Server;
  let silent: Server;
  let dir: string;
  let b: TestBeacon;

  const listen = async (s: Server) => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    // Answers 401 to everything, and echoes the header in the body (which Beacon must not read).
    rejecting = createServer((req, res) => {
      rejected.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: 'invalid api key', got: req.headers.authorization }));
    });
    // Takes the request and never answers.
    silent = createServer((req) => {
      silentSeen.push({ url: req.url, authorization: req.headers.authorization });
    });
    const rejectingUrl = await listen(rejecting);
    const silentUrl = await listen(silent);

    dir = mkdtempSync(join(tmpdir(), 'beacon-e2e-runbooks-'));
    const fixtures = 'test/fixtures/runbooks-e2e';
    for (const f of readdirSync(fixtures)) {
      const text = readFileSync(join(fixtures, f), 'utf8')
        .replaceAll('http://gateway-401.invalid', rejectingUrl)
        .replaceAll('http://gateway-silent.invalid', silentUrl);
      writeFileSync(join(dir, f), text);
    }
    // Beacon skips a broken runbook with a warning; fail here instead, saying why.
    expect(loadRunbooks(dir).problems).toEqual([]);

    process.env.E2E_GATEWAY_TOKEN = SECRET;
    b = await startBeacon({ env: { RUNBOOKS_DIR: dir } });
  });
  afterAll(async () => {
    await b?.close();
    silent?.closeAllConnections();
    await Promise.all([rejecting, silent].map((s) => new Promise((r) => (s ? s.close(r) : r(undefined)))));
    if (dir) rmSync(dir, { recursive: true, force: true });
    delete process.env.E2E_GATEWAY_TOKEN;
  });

  const block = 'checklist:e2e-gateway:0';
  const s1 = 'e2e-gateway:s1';
  const s2 = 'e2e-gateway:s2';

  /** The token reached the servers and nothing else: not a log line, not a Slack call, not Redis. */
  async function secretStaysSecret(incidentId: string) {
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of [...rejected, ...silentSeen]) expect(r.authorization).toBe(`Bearer ${SECRET}`);
    expect(b.logs()).not.toContain(SECRET);
    expect(b.logs().length).toBeGreaterThan(0);
    expect(JSON.stringify(b.sim.calls)).not.toContain(SECRET);
    expect(JSON.stringify(await timeline(b, incidentId))).not.toContain(SECRET);
    expect(JSON.stringify(await b.redis.hgetall(keysOf(b).checklist(incidentId)))).not.toContain(SECRET);
  }

  it('401 shows "credentials rejected", no answer shows "not answering"; the token goes to the server only', async () => {
    const o = await openIncident(b, 'Gateway e2e payments failing', { service: 'e2e-gateway', labels: {} });
    expect((await doc(b, o.incidentId)).runbook).toBe('e2e-gateway');
    const ts = await checklistTs(b, o.incidentId);

    const shows = () => {
      const m = message(b, o.channelId, ts);
      return descriptionOf(m, block, s1).includes('credentials rejected') && descriptionOf(m, block, s2).includes('not answering') ? m : undefined;
    };
    const m = await waitFor(shows, { what: 'both check results on the checklist', ...WAIT });
    expect(descriptionOf(m, block, s1)).toBe('⚠️ credentials rejected (HTTP 401)');
    expect(descriptionOf(m, block, s2)).toBe('⚠️ integration not answering (timed out after 300ms)');
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('*Step 1*: credentials rejected (HTTP 401)');
    expect(text).toContain('compare the value of $E2E_GATEWAY_TOKEN with the secret store');
    expect(text).toContain('*Step 2*: integration not answering (timed out after 300ms)');
    expect(text).toContain('Run checks again');

    expect(rejected[0]).toMatchObject({ url: '/v1/me', authorization: `Bearer ${SECRET}` });
    expect(silentSeen[0]).toMatchObject({ url: '/v1/ping', authorization: `Bearer ${SECRET}` });

    const tl = await timeline(b, o.incidentId);
    expect(entriesOf(tl, 'check.result', 'e2e-gateway', 's1')).toEqual([expect.objectContaining({ actor: 'beacon', data: expect.objectContaining({ check: 'gateway-auth', status: 'fail' }) })]);
    expect(entriesOf(tl, 'check.result', 'e2e-gateway', 's2')).toEqual([expect.objectContaining({ data: expect.objectContaining({ check: 'gateway-silent', status: 'fail' }) })]);
    await secretStaysSecret(o.incidentId);
  });

  it('"Run checks again" runs the checks again', async () => {
    const o = await openIncident(b, 'Gateway e2e run again', { service: 'e2e-gateway', labels: {} });
    const ts = await checklistTs(b, o.incidentId);
    const results = async (stepId: string) => entriesOf(await timeline(b, o.incidentId), 'check.result', 'e2e-gateway', stepId);
    await waitFor(async () => (await results('s1')).length === 1 && (await results('s2')).length === 1, { what: 'first run', ...WAIT });
    await waitFor(() => JSON.stringify(message(b, o.channelId, ts).blocks).includes('Run checks again'), { what: 'button after the first run', ...WAIT });
    const hits = { rejected: rejected.length, silent: silentSeen.length };
    const updates = () => b.sim.callsTo('chat.update').filter((c) => c.params.ts === ts && c.ok).length;
    const updatesBefore = updates();

    const res = await b.sim.blockAction({ userId: BOB, channelId: o.channelId, messageTs: ts, actionId: 'checklist.run_check' });
    expect(res.status).toBe(200);
    await waitFor(async () => (await results('s1')).length === 2 && (await results('s2')).length === 2, { what: 'second run on the timeline', ...WAIT });
    expect(rejected.length).toBe(hits.rejected + 1);
    expect(silentSeen.length).toBe(hits.silent + 1);
    await waitFor(() => updates() > updatesBefore, { what: 'checklist re-rendered with the new results', ...WAIT });
    const m = message(b, o.channelId, ts);
    expect(descriptionOf(m, block, s1)).toBe('⚠️ credentials rejected (HTTP 401)');
    expect(descriptionOf(m, block, s2)).toBe('⚠️ integration not answering (timed out after 300ms)');
    await secretStaysSecret(o.incidentId);
  });
});

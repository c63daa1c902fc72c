import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import { BOT_TOKEN, SIGNING_SECRET, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, alertIncident, command, doc, general, opened, type Opened } from './lifecycle-helpers.js';

/**
 * Issue 13, the announce channel: every non-private incident of ANNOUNCE_SEVERITIES has one
 * message in INCIDENT_ANNOUNCE_CHANNEL, posted once and edited on every change until it says
 * resolved; a private or a sev3 incident is not announced, one raised to sev2 (by `/incident sev`
 * or by a worse alert of its group) is.
 */
describe('the announce channel', () => {
  let b: TestBeacon;
  let announceId: string;

  let sim: SlackSimulator;

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    // Public, and nobody invited Beacon: it joins the channel itself.
    announceId = sim.addChannel({ name: 'incidents', members: [ALICE, BOB] }).id;
    b = await startBeacon({ sim, env: { INCIDENT_ANNOUNCE_CHANNEL: announceId } });
  });
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  const inAnnounce = (method: string, match: string) =>
    b.sim.callsTo(method).filter((c) => c.ok && c.params.channel === announceId && JSON.stringify(c.params).includes(match));
  const latest = (ts: string): RecordedCall | undefined => b.sim.callsTo('chat.update').filter((c) => c.ok && c.params.channel === announceId && c.params.ts === ts).at(-1);
  const text = (c: RecordedCall | undefined) => (c ? `${String(c.params.text)}\n${JSON.stringify(c.params.blocks)}` : '');

  /** Runs one command and waits until the announce message was edited to show `shows`. */
  async function change(o: Opened, ts: string, cmd: string, shows: RegExp): Promise<void> {
    const before = b.sim.callsTo('chat.update').filter((c) => c.params.channel === announceId && c.params.ts === ts).length;
    await command(b, o.channelId, ALICE, cmd);
    await waitFor(() => {
      const edits = b.sim.callsTo('chat.update').filter((c) => c.ok && c.params.channel === announceId && c.params.ts === ts);
      return edits.length > before && shows.test(text(edits.at(-1)));
    }, { what: `announce message after ${cmd} showing ${shows}` });
  }

  it('one message per incident, kept current across ack, sev, update, mitigate and resolve', async () => {
    const o = await alertIncident(b, 'announced', { severity: 'sev2' });
    const posted = await waitFor(() => inAnnounce('chat.postMessage', 'Lifecycle announced')[0], { what: 'the announce message' });
    expect(b.sim.channel(announceId)!.members).toContain(b.sim.botUserId);
    expect(text(posted)).toContain('SEV2');
    expect(text(posted)).toContain(`<#${o.channelId}>`);
    const ts = (await doc(b, o.incidentId)).slack.messages.announce!;
    expect(ts).toBeDefined();

    await change(o, ts, 'ack', /Acknowledged[\s\S]*\*Lead\*\\n@alice/);
    await change(o, ts, 'sev 1', /SEV1 · critical/);
    await change(o, ts, 'update Failing over to the replica; errors falling', /Latest update[\s\S]*Failing over to the replica/);
    await change(o, ts, 'mitigate', /Mitigated/);
    await change(o, ts, 'resolve', /Resolved: #\d+ Lifecycle announced/);
    expect(text(latest(ts))).toMatch(/\*Duration\*/);

    // One message, never one per change; and it pings nobody.
    expect(inAnnounce('chat.postMessage', 'Lifecycle announced')).toHaveLength(1);
    for (const c of [...inAnnounce('chat.postMessage', ''), ...inAnnounce('chat.update', '')]) expect(text(c)).not.toMatch(/<@|<!subteam|<!here|<!channel/);
  });

  it('a sev3 incident is not announced until `/incident sev 2`; a private one never', async () => {
    const o = await alertIncident(b, 'minor', { severity: 'sev3' });
    await command(b, o.channelId, ALICE, 'ack');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged', { what: 'ack' });
    await new Promise((r) => setTimeout(r, 300));
    expect(inAnnounce('chat.postMessage', 'Lifecycle minor')).toHaveLength(0);

    await command(b, o.channelId, ALICE, 'sev 2');
    const posted = await waitFor(() => inAnnounce('chat.postMessage', 'Lifecycle minor')[0], { what: 'announced after sev 2' });
    expect(text(posted)).toContain('SEV2');

    await command(b, general(b), BOB, 'declare --private Payroll export exposed sev1');
    const p = await opened(b, /payroll-export-exposed$/);
    await command(b, p.channelId, BOB, 'ack');
    await waitFor(async () => (await doc(b, p.incidentId)).status === 'acknowledged', { what: 'private ack' });
    await new Promise((r) => setTimeout(r, 300));
    expect(b.sim.calls.filter((c) => c.params.channel === announceId && JSON.stringify(c.params).includes('Payroll'))).toEqual([]);
  });

  it('a worse alert of the same group raises the incident, on the timeline, and announces it', async () => {
    const group = 'g-raise';
    const o = await alertIncident(b, 'raised', { severity: 'warning', group, fingerprint: 'fp-raise-1' });
    expect((await doc(b, o.incidentId)).severity).toBe('sev3');
    expect(inAnnounce('chat.postMessage', 'Lifecycle raised')).toHaveLength(0);

    const res = await b.post('/webhooks/generic', checkoutAlert({ title: 'Checkout: payments failing everywhere', severity: 'critical', group, fingerprint: 'fp-raise-2' }));
    expect(res.status).toBe(202);
    await waitFor(async () => (await doc(b, o.incidentId)).severity === 'sev1', { what: 'raised to sev1' });
    const entry = await waitFor(async () => (await timelineEvents<{ kind: string; data?: Record<string, unknown>; actor?: string }>(b.redis, keysOf(b), o.incidentId)).find((e) => e.kind === 'severity'), { what: 'severity entry' });
    expect(entry).toMatchObject({ actor: 'generic', data: { from: 'sev3', to: 'sev1' } });
    const posted = await waitFor(() => inAnnounce('chat.postMessage', 'Lifecycle raised')[0], { what: 'announced after the raise' });
    expect(text(posted)).toContain('SEV1');

    // A milder alert of the group lowers nothing.
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Checkout: a small hiccup', severity: 'info', group, fingerprint: 'fp-raise-3' }));
    await new Promise((r) => setTimeout(r, 300));
    expect((await doc(b, o.incidentId)).severity).toBe('sev1');
    expect(inAnnounce('chat.postMessage', 'Lifecycle raised')).toHaveLength(1);
  });
});

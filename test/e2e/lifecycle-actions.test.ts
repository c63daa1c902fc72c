import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';
import { ALICE, BOB, CAROL, alertIncident, cardShows, controlsOf, doc, general, waitForEphemeral, waitForSay, type Opened } from './lifecycle-helpers.js';

/**
 * Issue #4, "done when" 1 and 2 for the card's controls: block_actions signed as Slack signs them,
 * built by the simulator from the card as it is at the moment of the click.
 */
describe('incident card controls', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  const click = (o: Opened, userId: string, actionId: string, extra: { value?: string; selectedOption?: { value: string } } = {}) =>
    b.sim.blockAction({ userId, channelId: o.channelId, messageTs: o.cardTs, actionId, ...extra });

  it('Acknowledge: acknowledged, the clicker leads, the card and topic follow', async () => {
    const o = await alertIncident(b, 'btn-ack');
    const res = await click(o, BOB, 'incident.acknowledge');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
    expect(await doc(b, o.incidentId)).toMatchObject({ acknowledgedBy: BOB, lead: BOB });
    const card = await cardShows(b, o, (t) => t.includes('👀 Acknowledged'));
    expect(card).toContain('*Lead*\\n<@U0000002>');
    expect(controlsOf(card)).not.toContain('incident.acknowledge');
    await waitForSay(b, o.channelId, /@bob acknowledged the incident and leads it/);
    await waitFor(() => b.sim.channel(o.channelId)!.topic.value.startsWith('sev3 | acknowledged | lead <@U0000002>'), { what: 'topic' });
  });

  it('Mitigated, then Resolve: each state on the card, the group released', async () => {
    const o = await alertIncident(b, 'btn-mit');
    await click(o, ALICE, 'incident.mitigate');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'mitigated');
    // Mitigating an unacknowledged incident acknowledges it too: someone is on it.
    expect(await doc(b, o.incidentId)).toMatchObject({ acknowledgedBy: ALICE, lead: ALICE });
    let card = await cardShows(b, o, (t) => t.includes('🩹 Mitigated'));
    expect(controlsOf(card)).toEqual(['incident.resolve', 'incident.severity']);

    await click(o, ALICE, 'incident.resolve');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
    card = await cardShows(b, o, (t) => t.includes('✅ Resolved'));
    expect(controlsOf(card)).toEqual(['incident.severity']);
    await waitForSay(b, o.channelId, /@alice resolved the incident/);
    const inc = await doc(b, o.incidentId);
    expect(await b.redis.get(keysOf(b).openGroup(inc.group))).toBeNull();
  });

  it('the severity menu: the card, the topic and the channel say the new severity', async () => {
    const o = await alertIncident(b, 'btn-sev');
    await click(o, ALICE, 'incident.severity', { selectedOption: { value: 'sev1' } });
    await waitFor(async () => (await doc(b, o.incidentId)).severity === 'sev1');
    const card = await cardShows(b, o, (t) => t.includes('SEV1 · critical'));
    expect(card).toContain('"initial_option":{"text":{"type":"plain_text","text":"SEV1 · critical","emoji":true},"value":"sev1"}');
    await waitForSay(b, o.channelId, /changed the severity from sev3 to \*SEV1/);
    await waitFor(() => b.sim.channel(o.channelId)!.topic.value.startsWith('sev1 | triggered'), { what: 'topic' });
  });

  it("the alerts message's Resolve button resolves", async () => {
    const o = await alertIncident(b, 'btn-alerts');
    const inc = await doc(b, o.incidentId);
    await b.post('/webhooks/generic', { title: 'Lifecycle btn-alerts', fingerprint: 'fp-btn-alerts', group: 'g-btn-alerts', severity: 'sev3', service: 'checkout', status: 'resolved' });
    await waitFor(() => b.sim.transcript(o.channelId).includes('[Resolve incident]'), { what: 'resolve button on the alerts message' });
    await b.sim.blockAction({ userId: ALICE, channelId: o.channelId, messageTs: inc.slack.messages.alerts!, actionId: 'alerts.resolve_incident' });
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
    await cardShows(b, o, (t) => t.includes('✅ Resolved'));
  });

  it('a control outside its incident channel answers the clicker and changes nothing', async () => {
    const o = await alertIncident(b, 'btn-wrong');
    // A message with the card's button, seen in #general (a forwarded or copied card).
    const elsewhere = b.sim.userMessage({ userId: CAROL, channelId: general(b), text: 'look at this card' });
    const res = await b.sim.blockAction({ userId: CAROL, channelId: general(b), messageTs: elsewhere.ts, actionId: 'incident.acknowledge', value: o.incidentId });
    expect(res.status).toBe(200);
    await waitForEphemeral(b, CAROL, /These controls work on an incident card in its own incident channel/, 'response_url');
    const sev = await b.sim.blockAction({ userId: CAROL, channelId: general(b), messageTs: elsewhere.ts, actionId: 'incident.severity', type: 'static_select', selectedOption: { value: 'sev1' } });
    expect(sev.status).toBe(200);
    await waitFor(() => b.sim.ephemerals.filter((e) => e.user === CAROL && /These controls work/.test(e.text)).length === 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(await doc(b, o.incidentId)).toMatchObject({ status: 'triggered', severity: 'sev3' });
  });

  it('a severity outside sev1..sev4 answers the clicker and changes nothing', async () => {
    const o = await alertIncident(b, 'btn-badsev');
    await click(o, ALICE, 'incident.severity', { selectedOption: { value: 'sev9' } });
    await waitForEphemeral(b, ALICE, /Pick a severity from SEV1 \(worst\) to SEV4/, 'response_url');
    await new Promise((r) => setTimeout(r, 500));
    expect((await doc(b, o.incidentId)).severity).toBe('sev3');
  });

  it('forbidden transitions from a stale card: Acknowledge after resolve, Resolve twice, Mitigated twice', async () => {
    const o = await alertIncident(b, 'btn-forbidden');
    // Two people press Mitigated on the card they both see: one wins, the other is told.
    await Promise.all([click(o, ALICE, 'incident.mitigate'), click(o, BOB, 'incident.mitigate')]);
    await waitFor(() => b.sim.ephemerals.find((e) => /already mitigated/.test(e.text) && (e.user === ALICE || e.user === BOB)), { what: 'one told it was already mitigated' });
    const mitigated = await doc(b, o.incidentId);
    expect(mitigated.status).toBe('mitigated');

    await click(o, ALICE, 'incident.resolve');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
    // The card no longer has these buttons; a client showing the old card still sends them.
    await click(o, BOB, 'incident.acknowledge', { value: o.incidentId });
    await waitForEphemeral(b, BOB, /already resolved\. Use `\/incident reopen` first/, 'chat.postEphemeral');
    await click(o, BOB, 'incident.resolve', { value: o.incidentId });
    await waitForEphemeral(b, BOB, /This incident is already resolved\.$/, 'chat.postEphemeral');
    await click(o, BOB, 'incident.mitigate', { value: o.incidentId });
    await waitForEphemeral(b, BOB, /already resolved/, 'chat.postEphemeral');
    const inc = await doc(b, o.incidentId);
    expect(inc).toMatchObject({ status: 'resolved', resolvedBy: ALICE });
    expect(inc.acknowledgedBy).toBe(mitigated.acknowledgedBy);
  });
});

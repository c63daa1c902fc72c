import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_VERBS } from '../../src/slack/blocks/help.js';
import { RESPONDERS, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import {
  ALICE,
  BOB,
  CAROL,
  ackText,
  alertIncident,
  cardShows,
  channelSays,
  command,
  controlsOf,
  doc,
  general,
  opened,
  waitForEphemeral,
  waitForSay,
} from './lifecycle-helpers.js';

/**
 * Issue #4, "done when" 1 and 2 for typed commands: every `/incident` verb, signed by the
 * simulator as Slack signs it, against the running web and worker and a real Redis. Each test
 * reads the answer the person got, the incident document, and the card's latest `chat.update`.
 */
describe('/incident verbs', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  const timeline = (id: string) =>
    timelineEvents<{ id: string; kind: string; text: string; actor?: string; data?: Record<string, unknown> }>(b.redis, keysOf(b), id);

  describe('anywhere', () => {
    it('help (and no verb) lists every verb, privately', async () => {
      for (const text of ['help', '']) {
        const res = await command(b, general(b), CAROL, text);
        expect(res.status).toBe(200);
        const answer = ackText(res);
        for (const v of COMMAND_VERBS) expect(answer).toContain(`/incident ${v.verb}`);
      }
    });

    it('an unknown verb gets a short answer and the help', async () => {
      const answer = ackText(await command(b, general(b), CAROL, 'reboot the world'));
      expect(answer).toMatch(/does not know `\/incident reboot`/);
      expect(answer).toContain('/incident declare');
    });

    it('list shows open incidents with their channels, read from Redis', async () => {
      const o = await alertIncident(b, 'listed');
      const answer = ackText(await command(b, general(b), CAROL, 'list'));
      expect(answer).toMatch(/open incident/);
      const res = await command(b, general(b), CAROL, 'list');
      expect(res.body).toContain(`<#${o.channelId}>`);
      expect(res.body).toContain('Lifecycle listed');
    });
  });

  describe('declare', () => {
    it('with a title and severity: opens a channel, invites the declarer with the responders, pins the card', async () => {
      const res = await command(b, general(b), CAROL, 'declare Payments gateway rejects our key sev2');
      expect(res.status).toBe(200);
      expect(ackText(res)).toMatch(/Declaring \*Payments gateway rejects our key\* \(SEV2/);
      const o = await opened(b, /payments-gateway-rejects-our-key$/);
      const inc = await doc(b, o.incidentId);
      expect(inc).toMatchObject({ title: 'Payments gateway rejects our key', severity: 'sev2', status: 'triggered', origin: 'declared', declaredBy: CAROL });
      const members = b.sim.channel(o.channelId)!.members;
      for (const u of [...RESPONDERS, CAROL]) expect(members).toContain(u);
      expect(b.sim.channel(o.channelId)!.pins).toContain(o.cardTs);
      await waitForSay(b, o.channelId, /@carol declared this incident/);
      expect((await timeline(o.incidentId)).map((e) => e.kind)).toContain('incident.declared');
    });

    it('without a title: opens the form at once, and its submission declares', async () => {
      const res = await command(b, general(b), CAROL, 'declare');
      expect(res.status).toBe(200);
      const view = await waitFor(() => b.sim.openedViews().find((v) => v.userId === CAROL && v.view.callback_id === 'incident.declare'), { what: 'declare modal' });
      const blocks = JSON.stringify(view.view.blocks);
      for (const field of ['declare_title', 'declare_severity', 'declare_service', 'declare_description']) expect(blocks).toContain(field);

      // Empty title: the form says so and stays open.
      const bad = await b.sim.viewSubmission({ userId: CAROL, callbackId: 'incident.declare', values: { declare_title: { title: { type: 'plain_text_input', value: '  ' } } } });
      expect(bad.status).toBe(200);
      expect(JSON.parse(bad.body)).toMatchObject({ response_action: 'errors', errors: { declare_title: expect.stringMatching(/title/) } });

      const values = {
        declare_title: { title: { type: 'plain_text_input', value: 'Search results empty' } },
        declare_severity: { severity: { type: 'static_select', selected_option: { value: 'sev1' } } },
        declare_service: { service: { type: 'plain_text_input', value: 'search' } },
        declare_description: { description: { type: 'plain_text_input', value: 'Every query returns <nothing> since 09:02' } },
      };
      const ok = await b.sim.viewSubmission({ userId: CAROL, callbackId: 'incident.declare', values });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('');
      const o = await opened(b, /search-results-empty$/);
      expect(await doc(b, o.incidentId)).toMatchObject({ title: 'Search results empty', severity: 'sev1', service: 'search', description: 'Every query returns <nothing> since 09:02', declaredBy: CAROL });
      expect(b.sim.channel(o.channelId)!.members).toContain(CAROL);
      // The form submitted again (a double click) declares nothing new.
      await b.sim.viewSubmission({ userId: CAROL, callbackId: 'incident.declare', values });
      await new Promise((r) => setTimeout(r, 1000));
      expect(b.sim.channels().filter((c) => /search-results-empty/.test(c.name))).toHaveLength(1);
    });

    it('with a title too long: says so, declares nothing', async () => {
      const answer = ackText(await command(b, general(b), CAROL, `declare ${'very '.repeat(40)}long`));
      expect(answer).toMatch(/keep it under 150/);
      await new Promise((r) => setTimeout(r, 500));
      expect(b.sim.channels().filter((c) => c.name.includes('very-very'))).toHaveLength(0);
    });
  });

  describe('inside an incident channel', () => {
    it('walks an incident from triggered to resolved and back, with the card and topic after each change', async () => {
      const o = await alertIncident(b, 'walk', { service: 'walk' });
      const card0 = JSON.stringify(b.sim.messages(o.channelId).find((m) => m.ts === o.cardTs)!.blocks);
      expect(controlsOf(card0)).toEqual(['incident.acknowledge', 'incident.mitigate', 'incident.resolve', 'incident.severity']);

      // status: read-only, private.
      const status = await command(b, o.channelId, ALICE, 'status');
      expect(ackText(status)).toMatch(/Lifecycle walk.*sev3, triggered/);

      // ack: the first to acknowledge leads.
      expect(ackText(await command(b, o.channelId, ALICE, 'ack'))).toBe('');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
      expect(await doc(b, o.incidentId)).toMatchObject({ acknowledgedBy: ALICE, lead: ALICE });
      let card = await cardShows(b, o, (t) => t.includes('Acknowledged'));
      expect(card).toContain('<@U0000001>');
      expect(controlsOf(card)).toEqual(['incident.mitigate', 'incident.resolve', 'incident.severity']);
      await waitForSay(b, o.channelId, /@alice acknowledged the incident and leads it/);
      await waitFor(() => b.sim.channel(o.channelId)!.topic.value.startsWith('sev3 | acknowledged | lead <@U0000001>'), { what: 'topic after ack' });

      // sev 2
      await command(b, o.channelId, ALICE, 'sev 2');
      await waitFor(async () => (await doc(b, o.incidentId)).severity === 'sev2');
      card = await cardShows(b, o, (t) => t.includes('SEV2 · major'));
      await waitForSay(b, o.channelId, /changed the severity from sev3 to \*SEV2/);
      await waitFor(() => b.sim.channel(o.channelId)!.topic.value.startsWith('sev2 | acknowledged'), { what: 'topic after sev' });

      // lead <@user>, as Slack sends a mention with should_escape
      await command(b, o.channelId, ALICE, 'lead <@U0000002|bob>');
      await waitFor(async () => (await doc(b, o.incidentId)).lead === BOB);
      await cardShows(b, o, (t) => t.includes('*Lead*\\n<@U0000002>'));
      await waitForSay(b, o.channelId, /@alice handed the lead to <@U0000002>/);
      await waitFor(() => b.sim.channel(o.channelId)!.topic.value.includes('lead <@U0000002>'), { what: 'topic after lead' });

      // update: on the card, posted to the channel; untrusted text escaped, mentions kept
      await command(b, o.channelId, BOB, 'update Rolled back 08:10 deploy &amp; watching <!channel> ask <@U0000001|alice>');
      const updated = await waitFor(async () => (await doc(b, o.incidentId)).lastUpdate);
      expect(updated).toBe('Rolled back 08:10 deploy & watching <!channel> ask <@U0000001>');
      const posted = await waitForSay(b, o.channelId, /Status update/);
      expect(posted).toContain('Rolled back 08:10 deploy &amp; watching &lt;!channel&gt; ask <@U0000001>');
      card = await cardShows(b, o, (t) => t.includes('Latest update'));
      expect(card).toContain('Rolled back 08:10 deploy');
      expect(card).not.toContain('<!channel>');

      // note: timeline only, a private confirmation
      const before = channelSays(b, o.channelId).length;
      await command(b, o.channelId, BOB, 'note Gateway dashboard shows 401s since 08:12');
      await waitForEphemeral(b, BOB, /Noted in the timeline/, 'chat.postEphemeral');
      await waitFor(async () => (await timeline(o.incidentId)).some((e) => e.kind === 'note' && e.text === 'Gateway dashboard shows 401s since 08:12'));
      expect(channelSays(b, o.channelId)).toHaveLength(before);

      // task: a follow-up for the postmortem
      await command(b, o.channelId, BOB, 'task Alert on gateway 401s');
      await waitForEphemeral(b, BOB, /Follow-up recorded for the postmortem: Alert on gateway 401s/);
      await waitFor(async () => (await timeline(o.incidentId)).some((e) => e.kind === 'task' && e.text === 'Alert on gateway 401s' && e.actor === BOB));

      // mitigate [text]
      await command(b, o.channelId, BOB, 'mitigate restored the previous API key');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'mitigated');
      expect((await doc(b, o.incidentId)).mitigation).toBe('restored the previous API key');
      card = await cardShows(b, o, (t) => t.includes('Mitigated') && t.includes('restored the previous API key'));
      expect(controlsOf(card)).toEqual(['incident.resolve', 'incident.severity']);
      await waitForSay(b, o.channelId, /marked the incident mitigated: restored the previous API key/);

      // resolve [text]: the group is released, so the next alert opens a new incident
      await command(b, o.channelId, BOB, 'resolve key rotated back; success rate 99%');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
      expect(await doc(b, o.incidentId)).toMatchObject({ resolvedBy: BOB, resolution: 'key rotated back; success rate 99%' });
      card = await cardShows(b, o, (t) => t.includes('Resolved') && t.includes('*Duration*'));
      expect(controlsOf(card)).toEqual(['incident.severity']);
      await waitForSay(b, o.channelId, /resolved the incident after .*: key rotated back/);
      await waitFor(() => b.sim.channel(o.channelId)!.topic.value.startsWith('sev2 | resolved'), { what: 'topic after resolve' });
      const group = (await doc(b, o.incidentId)).group;
      expect(group).toMatch(/g-walk$/);
      expect(await b.redis.get(keysOf(b).openGroup(group))).toBeNull();

      // reopen: back to acknowledged, the group claimed again
      await command(b, o.channelId, ALICE, 'reopen');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
      expect((await doc(b, o.incidentId)).reopenedBy).toBe(ALICE);
      card = await cardShows(b, o, (t) => t.includes('Acknowledged') && !t.includes('*Duration*'));
      expect(controlsOf(card)).toEqual(['incident.mitigate', 'incident.resolve', 'incident.severity']);
      await waitForSay(b, o.channelId, /@alice reopened the incident/);
      expect(await b.redis.get(keysOf(b).openGroup(group))).toBe(o.incidentId);

      const kinds = (await timeline(o.incidentId)).map((e) => e.kind);
      for (const k of ['acknowledged', 'severity', 'lead', 'update', 'note', 'task', 'mitigated', 'resolved', 'reopened']) expect(kinds).toContain(k);
    });

    it('a resolved incident frees its group: the next alert opens a new incident', async () => {
      const o = await alertIncident(b, 'regroup');
      await command(b, o.channelId, ALICE, 'resolve');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
      await b.post('/webhooks/generic', { title: 'Lifecycle regroup', fingerprint: 'fp-regroup', group: 'g-regroup', severity: 'sev3', service: 'checkout' });
      await waitFor(() => b.sim.channels().filter((c) => /lifecycle-regroup/.test(c.name)).length === 2, { what: 'a second channel' });
      const group = (await doc(b, o.incidentId)).group;
      const holder = await waitFor(async () => {
        const id = await b.redis.get(keysOf(b).openGroup(group));
        return id && id !== o.incidentId ? id : null;
      }, { what: 'the new incident holds the group' });
      // Reopening the old one leaves the group with the newer incident.
      await command(b, o.channelId, ALICE, 'reopen');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
      expect(await b.redis.get(keysOf(b).openGroup(group))).toBe(holder);
    });

    it('lead brings the new lead into the channel', async () => {
      const o = await alertIncident(b, 'newlead');
      expect(b.sim.channel(o.channelId)!.members).not.toContain('U0000004');
      await command(b, o.channelId, ALICE, 'lead <@U0000004|dave>');
      await waitFor(async () => (await doc(b, o.incidentId)).lead === 'U0000004');
      await waitFor(() => b.sim.channel(o.channelId)!.members.includes('U0000004'), { what: 'dave invited' });
      await waitForSay(b, o.channelId, /handed the lead to <@U0000004>/);
      // Acknowledging afterwards keeps the lead that was set.
      await command(b, o.channelId, BOB, 'ack');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
      expect(await doc(b, o.incidentId)).toMatchObject({ acknowledgedBy: BOB, lead: 'U0000004' });
      await waitForSay(b, o.channelId, /@bob acknowledged the incident; @dave leads it/);
    });

    it('runbook lists and attaches, summary and postmortem are queued; none changes the state', async () => {
      const o = await alertIncident(b, 'coming');
      expect(ackText(await command(b, o.channelId, ALICE, 'runbook'))).toMatch(/Runbooks[\s\S]*`database`/);
      expect(ackText(await command(b, o.channelId, ALICE, 'runbook nosuchbook'))).toMatch(/No runbook named `nosuchbook`/);
      expect(ackText(await command(b, o.channelId, ALICE, 'runbook database'))).toMatch(/Attaching `database`/);
      expect(ackText(await command(b, o.channelId, ALICE, 'summary'))).toMatch(/summary/);
      expect(ackText(await command(b, o.channelId, ALICE, 'postmortem'))).toMatch(/postmortem/);
      await waitFor(() => b.sim.messages(o.channelId).some((m) => (m.files ?? []).some((f) => /^postmortem-/.test(f.name ?? ''))), { what: 'postmortem file' });
      expect((await doc(b, o.incidentId)).status).toBe('triggered');
    });
  });

  describe('used in the wrong place', () => {
    it('every incident verb in a channel that is not an incident says where it works', async () => {
      const incidentVerbs = COMMAND_VERBS.filter((v) => v.where === 'incident').map((v) => v.verb);
      for (const verb of incidentVerbs) {
        const res = await command(b, general(b), CAROL, `${verb} 2`);
        expect(res.status).toBe(200);
        expect(ackText(res)).toMatch(new RegExp(`\`/incident ${verb}\` works inside an incident channel`));
      }
    });
  });

  describe('with bad arguments', () => {
    it('answers each at once and changes nothing', async () => {
      const o = await alertIncident(b, 'badargs');
      const cases: [string, RegExp][] = [
        ['sev', /severity from 1 \(worst\) to 4/],
        ['sev 7', /severity from 1 \(worst\) to 4/],
        ['sev critical', /severity from 1 \(worst\) to 4/],
        ['lead bob', /Mention the new lead/],
        ['lead', /Mention the new lead/],
        ['update', /Say what the update is/],
        ['note', /Say what to note/],
        ['task   ', /Say what needs doing/],
      ];
      for (const [text, answer] of cases) expect(ackText(await command(b, o.channelId, ALICE, text))).toMatch(answer);
      await new Promise((r) => setTimeout(r, 500));
      const inc = await doc(b, o.incidentId);
      expect(inc).toMatchObject({ status: 'triggered', severity: 'sev3', version: expect.any(Number) });
      expect(inc.lead).toBeUndefined();
      expect(inc.appliedCommands ?? []).toEqual([]);
    });
  });

  describe('against the state machine', () => {
    it('ack on a resolved incident, reopen of an open one, mitigate twice, resolve twice: a short private answer', async () => {
      const o = await alertIncident(b, 'forbidden');
      await command(b, o.channelId, ALICE, 'reopen');
      await waitForEphemeral(b, ALICE, /Only a resolved incident can be reopened; this one is triggered/);

      await command(b, o.channelId, ALICE, 'mitigate');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'mitigated');
      await command(b, o.channelId, BOB, 'mitigate');
      await waitForEphemeral(b, BOB, /already mitigated/);

      await command(b, o.channelId, ALICE, 'resolve');
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved');
      const applied = (await doc(b, o.incidentId)).appliedCommands;
      await command(b, o.channelId, BOB, 'ack');
      await waitForEphemeral(b, BOB, /already resolved\. Use `\/incident reopen` first/, 'chat.postEphemeral');
      await command(b, o.channelId, BOB, 'resolve');
      await waitForEphemeral(b, BOB, /This incident is already resolved\.$/);
      await command(b, o.channelId, BOB, 'sev 3');
      await waitForEphemeral(b, BOB, /Severity is already sev3/);
      const inc = await doc(b, o.incidentId);
      expect(inc.status).toBe('resolved');
      expect(inc.acknowledgedBy).toBe(ALICE);
      expect(inc.appliedCommands).toEqual(applied);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { WEBHOOK_TOKEN, baseEnv, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, CAROL, ackText, alertIncident, cardShows, command, doc, general, waitForSay } from './lifecycle-helpers.js';

/**
 * Issue 13, roles: `/incident role <role> @user` for the roles of INCIDENT_ROLES; assigning invites
 * the person, the card shows every role, the timeline and the postmortem record who held which
 * role from when; an unknown role gets the list of roles.
 */
const DAVE = 'U0000004';
const ERIN = 'U0000005';

describe('roles', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ env: { INCIDENT_ROLES: 'lead,comms,scribe', RUNBOOKS_DIR: 'test/fixtures/runbooks-e2e' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('assigns, reassigns and refuses an unknown role; the card and the postmortem show the holders', async () => {
    const o = await alertIncident(b, 'roles');
    // The card shows every role from the start, held by nobody yet.
    const first = b.sim.callsTo('chat.postMessage').find((c) => c.params.channel === o.channelId && JSON.stringify(c.params.blocks).includes('*Comms*'));
    expect(JSON.stringify(first?.params.blocks)).toContain('*Scribe*\\n—');

    // Unknown role, bad arguments: a short private answer with the roles.
    expect(ackText(await command(b, o.channelId, ALICE, 'role pilot <@U0000004|dave>'))).toBe('`pilot` is not a role here. Roles: `lead`, `comms`, `scribe`; e.g. `/incident role comms @alice`.');
    expect(ackText(await command(b, o.channelId, ALICE, 'role comms'))).toBe('Say which role and who, e.g. `/incident role comms @alice`. Roles: `lead`, `comms`, `scribe`.');

    await command(b, o.channelId, ALICE, 'ack');
    await command(b, o.channelId, ALICE, 'role comms <@U0000004|dave>');
    await waitForSay(b, o.channelId, /🎙️ @alice made <@U0000004> comms of the incident\./);
    // Assigning invites the person.
    await waitFor(() => b.sim.channel(o.channelId)!.members.includes(DAVE), { what: 'dave invited' });
    await cardShows(b, o, (t) => t.includes('*Comms*\\n<@U0000004>') && t.includes('*Lead*\\n<@U0000001>'), 'card with lead and comms');

    // Reassign; oneself; the same person again is refused; `role lead` is the lead.
    await command(b, o.channelId, ALICE, 'role comms <@U0000005|erin>');
    await waitForSay(b, o.channelId, /@alice made <@U0000005> comms of the incident/);
    await command(b, o.channelId, CAROL, 'role scribe <@U0000003|carol>');
    await waitForSay(b, o.channelId, /🎙️ @carol is now scribe of the incident\./);
    await cardShows(b, o, (t) => t.includes('*Comms*\\n<@U0000005>') && t.includes('*Scribe*\\n<@U0000003>'), 'card after reassigning');
    expect(ackText(await command(b, o.channelId, CAROL, 'role scribe <@U0000003|carol>'))).toBe('');
    await waitFor(() => b.sim.ephemerals.some((e) => e.user === CAROL && e.text.includes('is already scribe of this incident')), { what: 'already scribe' });
    await command(b, o.channelId, ALICE, 'role lead <@U0000002|bob>');
    await waitForSay(b, o.channelId, /@alice made <@U0000002> lead of the incident/);
    await waitFor(async () => (await doc(b, o.incidentId)).lead === BOB, { what: 'bob leads' });
    expect((await doc(b, o.incidentId)).roles).toEqual({ comms: ERIN, scribe: CAROL });

    // The timeline records each assignment: role, from, to.
    const roles = (await timelineEvents<{ kind: string; data?: Record<string, unknown> }>(b.redis, keysOf(b), o.incidentId)).filter((e) => e.kind === 'role').map((e) => e.data);
    expect(roles).toEqual([
      { role: 'comms', from: null, to: DAVE },
      { role: 'comms', from: DAVE, to: ERIN },
      { role: 'scribe', from: null, to: CAROL },
      { role: 'lead', from: ALICE, to: BOB },
    ]);

    // The postmortem: who held which role from when, and each change on the timeline.
    const md = await (await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } })).text();
    const line = /^\*\*Roles:\*\* (.*)$/m.exec(md)?.[1];
    expect(line).toMatch(/^lead @alice from \d\d:\d\d UTC, then @bob from \d\d:\d\d UTC · comms @dave from \d\d:\d\d UTC, then @erin from \d\d:\d\d UTC · scribe @carol from \d\d:\d\d UTC\.$/);
    expect(md).toMatch(/- \d\d:\d\d Comms: @dave \(set by @alice\)/);
    expect(md).toMatch(/- \d\d:\d\d Comms: @erin \(set by @alice\)/);
    expect(md).toMatch(/- \d\d:\d\d Scribe: @carol\n/);
    expect(md).toMatch(/- \d\d:\d\d Lead: @bob \(set by @alice\)/);
  });

  it('help lists the verb', async () => {
    const help = ackText(await command(b, general(b), ALICE, 'help'));
    expect(help).toContain('`/incident role &lt;role&gt; @user` · give someone a role');
  });
});

describe('INCIDENT_ROLES', () => {
  const roles = (v?: string) => loadConfig(baseEnv(v === undefined ? {} : { INCIDENT_ROLES: v }), 'all').roles;

  it('defaults to lead, comms, scribe; lead always comes first', () => {
    expect(roles()).toEqual(['lead', 'comms', 'scribe']);
    expect(roles('comms, Ops')).toEqual(['lead', 'comms', 'ops']);
    expect(roles('scribe,lead')).toEqual(['lead', 'scribe']);
  });

  it('stops the process with one line naming it when malformed', () => {
    expect(() => roles('comms,comms')).toThrow('config: INCIDENT_ROLES must not name a role twice');
    expect(() => roles('on call')).toThrow(/^config: INCIDENT_ROLES must be comma-separated role names/);
    expect(() => roles('a,b,c,d,e,f,g,h,i,j')).toThrow('config: INCIDENT_ROLES must name at most 10 roles (lead included)');
  });
});

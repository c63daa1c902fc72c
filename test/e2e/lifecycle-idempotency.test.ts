import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues } from '../../src/jobs/queues.js';
import { Keys } from '../../src/keys.js';
import { sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, CAROL, alertIncident, cardShows, channelSays, command, doc, general, opened, type Opened } from './lifecycle-helpers.js';

/**
 * Issue #4, "done when" 4: Slack's retries and double clicks change the state once; different
 * changes racing on one incident all land, each on the state the previous one left.
 */
describe('retries, double clicks and races', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  const timeline = (id: string) =>
    timelineEvents<{ id: string; kind: string; text: string; actor?: string; data?: Record<string, unknown> }>(b.redis, keysOf(b), id);
  const saying = (o: Opened, re: RegExp) => channelSays(b, o.channelId).filter((t) => re.test(t));
  /** Lets any straggling job run before counting what happened. */
  const settle = () => sleep(1500);

  it('the same slash command delivered twice (same trigger_id) acknowledges once', async () => {
    const o = await alertIncident(b, 'retry-ack');
    const trigger = '1111111111.2222222222.retryack0000000000000000000000';
    const first = await command(b, o.channelId, ALICE, 'ack', trigger);
    const second = await command(b, o.channelId, ALICE, 'ack', trigger);
    expect([first.status, second.status]).toEqual([200, 200]);
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
    await settle();
    expect(saying(o, /acknowledged the incident/)).toHaveLength(1);
    expect((await timeline(o.incidentId)).filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
    expect((await doc(b, o.incidentId)).appliedCommands).toHaveLength(1);
    // A second distinct delivery would have been refused; the retry was not even seen as one.
    expect(b.sim.ephemerals.filter((e) => /already acknowledged/.test(e.text))).toHaveLength(0);
  });

  it('the same update delivered twice posts one update', async () => {
    const o = await alertIncident(b, 'retry-update');
    const trigger = '1111111111.3333333333.retryupdate000000000000000000';
    await Promise.all([
      command(b, o.channelId, BOB, 'update DNS flipped back', trigger),
      command(b, o.channelId, BOB, 'update DNS flipped back', trigger),
    ]);
    await waitFor(async () => (await doc(b, o.incidentId)).lastUpdate === 'DNS flipped back');
    await settle();
    expect(saying(o, /^Status update from @bob: DNS flipped back/)).toHaveLength(1);
    expect((await timeline(o.incidentId)).filter((e) => e.kind === 'update')).toHaveLength(1);
  });

  it('the same declare delivered twice opens one incident', async () => {
    const trigger = '1111111111.4444444444.retrydeclare00000000000000000';
    await command(b, general(b), CAROL, 'declare Twice declared outage sev1', trigger);
    await command(b, general(b), CAROL, 'declare Twice declared outage sev1', trigger);
    const o = await opened(b, /twice-declared-outage/);
    await settle();
    expect(b.sim.channels().filter((c) => /twice-declared-outage/.test(c.name))).toHaveLength(1);
    expect((await doc(b, o.incidentId)).severity).toBe('sev1');
  });

  it('the same block_actions payload delivered twice (a Slack retry) applies once', async () => {
    const o = await alertIncident(b, 'retry-click');
    const ch = b.sim.channel(o.channelId)!;
    const payload = {
      type: 'block_actions',
      user: { id: ALICE, username: 'alice', name: 'alice', team_id: b.sim.teamId },
      api_app_id: b.sim.appId,
      token: b.sim.verificationToken,
      container: { type: 'message', message_ts: o.cardTs, channel_id: o.channelId, is_ephemeral: false },
      trigger_id: '1111111111.5555555555.retryclick0000000000000000000',
      team: { id: b.sim.teamId, domain: b.sim.teamDomain },
      channel: { id: o.channelId, name: ch.name },
      state: { values: {} },
      response_url: `${b.sim.url.replace(/api\/$/, '')}hooks/actions/none`,
      actions: [{ type: 'button', action_id: 'incident.acknowledge', block_id: 'incident_controls', value: o.incidentId, action_ts: '1700000000.123456' }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const first = await b.sim.signedPost(body, 'application/x-www-form-urlencoded');
    const retry = await b.sim.signedPost(body, 'application/x-www-form-urlencoded', { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged');
    await settle();
    expect(saying(o, /acknowledged the incident/)).toHaveLength(1);
    expect((await doc(b, o.incidentId)).appliedCommands).toHaveLength(1);
    expect(b.sim.ephemerals.filter((e) => e.user === ALICE && /already acknowledged/.test(e.text))).toHaveLength(0);
  });

  it('a double click on Acknowledge acknowledges once and tells the second click', async () => {
    const o = await alertIncident(b, 'double-click');
    const click = () => b.sim.blockAction({ userId: BOB, channelId: o.channelId, messageTs: o.cardTs, actionId: 'incident.acknowledge' });
    await Promise.all([click(), click()]);
    await waitFor(() => b.sim.ephemerals.find((e) => e.user === BOB && /already acknowledged/.test(e.text)), { what: 'second click answered' });
    await settle();
    expect(saying(o, /acknowledged the incident/)).toHaveLength(1);
    expect((await timeline(o.incidentId)).filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
  });

  it('a job redelivered under a new job id (same Slack delivery) changes and posts nothing twice', async () => {
    const o = await alertIncident(b, 'redeliver');
    const job = { incidentId: o.incidentId, verb: 'sev', args: 'sev1', userId: ALICE, channelId: o.channelId, sourceId: 'command:redelivered-0001' };
    const conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    const queues = new Queues(conn, new Keys(b.config.redis.prefix));
    try {
      await queues.add('incident.command', job, { jobId: 'redeliver-a' });
      await waitFor(async () => (await doc(b, o.incidentId)).severity === 'sev1');
      await queues.add('incident.command', job, { jobId: 'redeliver-b' });
      await settle();
    } finally {
      await queues.close();
      conn.disconnect();
    }
    expect(saying(o, /changed the severity/)).toHaveLength(1);
    expect((await doc(b, o.incidentId)).appliedCommands).toEqual(['command:redelivered-0001']);
    // Not refused as "already sev1" either: the retry is recognised as the same command.
    expect(b.sim.ephemerals.filter((e) => /Severity is already/.test(e.text))).toHaveLength(0);
  });

  it('a job that failed after the change but before its announcement finishes on retry, announcing once', async () => {
    const o = await alertIncident(b, 'half-done');
    b.sim.failNext('chat.postMessage', { error: 'internal_error' });
    await command(b, o.channelId, ALICE, 'mitigate failed over to the replica');
    await waitFor(() => saying(o, /marked the incident mitigated: failed over to the replica/).length > 0, { what: 'announcement after the retry', timeout: 30_000 });
    expect(b.sim.callsTo('chat.postMessage').some((c) => c.error === 'internal_error')).toBe(true);
    await settle();
    expect(saying(o, /marked the incident mitigated/)).toHaveLength(1);
    expect((await timeline(o.incidentId)).filter((e) => e.kind === 'mitigated')).toHaveLength(1);
    expect((await doc(b, o.incidentId)).appliedCommands).toHaveLength(1);
  });

  it('ack and sev 2 sent at once both land, in the order they were applied', async () => {
    const o = await alertIncident(b, 'race-ack-sev');
    const [a, s] = await Promise.all([command(b, o.channelId, ALICE, 'ack'), command(b, o.channelId, BOB, 'sev 2')]);
    expect([a.status, s.status]).toEqual([200, 200]);
    await waitFor(async () => {
      const d = await doc(b, o.incidentId);
      return d.status === 'acknowledged' && d.severity === 'sev2';
    }, { what: 'both changes' });
    const inc = await doc(b, o.incidentId);
    expect(inc.appliedCommands).toHaveLength(2);
    const events = (await timeline(o.incidentId)).filter((e) => e.kind === 'acknowledged' || e.kind === 'severity');
    expect(events.map((e) => e.kind).sort()).toEqual(['acknowledged', 'severity']);
    // The timeline's order is the order of the writes: the same as appliedCommands.
    expect(events.map((e) => e.id)).toEqual(inc.appliedCommands);
    const card = await cardShows(b, o, (t) => t.includes('👀 Acknowledged') && t.includes('SEV2 · major'), 'card with both changes');
    expect(card).toContain('<@U0000001>');
    await waitFor(() => b.sim.channel(o.channelId)!.topic.value.startsWith('sev2 | acknowledged | lead <@U0000001>'), { what: 'topic with both' });
  });

  it('six different changes at once, typed and clicked, all land', async () => {
    const o = await alertIncident(b, 'race-many');
    await Promise.all([
      b.sim.blockAction({ userId: ALICE, channelId: o.channelId, messageTs: o.cardTs, actionId: 'incident.acknowledge' }),
      b.sim.blockAction({ userId: BOB, channelId: o.channelId, messageTs: o.cardTs, actionId: 'incident.severity', selectedOption: { value: 'sev1' } }),
      command(b, o.channelId, BOB, 'lead <@U0000002|bob>'),
      command(b, o.channelId, BOB, 'update Failing over to the secondary'),
      command(b, o.channelId, ALICE, 'note Secondary is warm'),
      command(b, o.channelId, ALICE, 'task Automate the failover'),
    ]);
    await waitFor(async () => {
      const d = await doc(b, o.incidentId);
      return d.status === 'acknowledged' && d.severity === 'sev1' && d.lead === BOB && d.lastUpdate === 'Failing over to the secondary';
    }, { what: 'all four document changes' });
    await waitFor(async () => (await timeline(o.incidentId)).filter((e) => ['acknowledged', 'severity', 'lead', 'update', 'note', 'task'].includes(e.kind)).length === 6, { what: 'six timeline events' });
    expect((await doc(b, o.incidentId)).appliedCommands).toHaveLength(4);
    await cardShows(b, o, (t) => t.includes('SEV1 · critical') && t.includes('👀 Acknowledged') && t.includes('*Lead*\\n<@U0000002>') && t.includes('Failing over'), 'card with every change');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import { QUEUES } from '../../src/jobs/catalog.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import { BOT_TOKEN, RESPONDERS, SIGNING_SECRET, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';
import { ALICE, BOB, CAROL, ackText, command, doc, general, opened, waitForSay } from './lifecycle-helpers.js';

/** Everything a command's private answer shows (its text and its blocks). */
const shown = async (d: Promise<{ body: string }>) => (await d).body;

/**
 * Issue 13, private incidents: `/incident declare --private`, the form's private box and a runbook
 * with `private: true` open a private channel with only the declarer (or the runbook's responders)
 * in it; the title reaches no Slack call outside that channel; `list` and `status` show it to its
 * members only. The simulator checks every call against the manifest's scopes, as Slack would.
 */
const DAVE = 'U0000004';
const TITLE = 'Vault token leaked on a public paste site';
const FORM_TITLE = 'Suspicious admin logins from an unknown network';
const RUNBOOK_TITLE = 'Secrets exfiltration suspected on vault';
const RUNBOOK = `---
name: secrets-leak
title: Secrets leak
match:
  service: vault
responders: [${DAVE}]
escalation: [${DAVE}]
private: true
---

- [ ] Revoke the leaked secret
`;

const manifestScopes = (): string[] => (parse(readFileSync('manifest.yml', 'utf8')) as { oauth_config: { scopes: { bot: string[] } } }).oauth_config.scopes.bot;

/** The channel a recorded call is about, if any. */
const channelOf = (c: RecordedCall) => (c.params.channel ?? c.params.channel_id) as string | undefined;

/** `beacon_open_incidents{severity="…"}` as /metrics says it now. */
const openOf = (metrics: string, sev: string) => Number(new RegExp(`^beacon_open_incidents\\{severity="${sev}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);

/**
 * What people outside a private channel were answered privately (command acks, response_url
 * replies, ephemerals) that matches `title`; also how many answers they got, so that the grep is
 * never vacuous.
 */
function privateAnswersLeaking(sim: SlackSimulator, channelId: string, title: RegExp): { outside: number; leaks: string[] } {
  const members = sim.channel(channelId)!.members;
  const outside = sim.ephemerals.filter((e) => !members.includes(e.user));
  const leaks = outside.map((e) => `${e.source} to ${e.user}: ${e.text}\n${JSON.stringify(e.blocks ?? [])}`).filter((t) => title.test(t));
  return { outside: outside.length, leaks };
}

describe('private incidents', () => {
  let b: TestBeacon;
  let sim: SlackSimulator;
  let dir: string;
  let announceId: string;

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, scopes: manifestScopes() });
    await sim.start();
    announceId = sim.addChannel({ name: 'incidents', members: [ALICE, BOB] }).id;
    dir = mkdtempSync(join(tmpdir(), 'beacon-private-'));
    writeFileSync(join(dir, 'secrets-leak.md'), RUNBOOK);
    expect(loadRunbooks(dir).problems.filter((p) => p.severity === 'error')).toEqual([]);
    b = await startBeacon({ sim, env: { RUNBOOKS_DIR: dir, INCIDENT_ANNOUNCE_CHANNEL: announceId, ANNOUNCE_SEVERITIES: 'sev1,sev2' } });
  });
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('declare --private: a private channel, only the declarer invited, shown to members only', async () => {
    const metricsBefore = await (await fetch(`${b.url}/metrics`)).text();
    expect(openOf(metricsBefore, 'sev1')).toBe(0);
    const answer = ackText(await command(b, general(b), CAROL, `declare --private ${TITLE} sev1`));
    expect(answer).toContain('as a private incident');
    const o = await opened(b, /vault-token-leaked-on-a-public-paste-site$/);
    expect(b.sim.callsTo('conversations.create').find((c) => String(c.params.name).includes('vault-token'))!.params.is_private).toMatch(/^(true|1)$/);
    const ch = b.sim.channel(o.channelId)!;
    expect(ch.is_private).toBe(true);
    // Only the declarer: never INCIDENT_RESPONDERS.
    expect([...ch.members].sort()).toEqual([CAROL, b.sim.botUserId].sort());
    for (const r of RESPONDERS) expect(ch.members).not.toContain(r);
    expect(await doc(b, o.incidentId)).toMatchObject({ private: true, declaredBy: CAROL, severity: 'sev1' });
    await waitForSay(b, o.channelId, /only the people in this channel see it/);

    // From outside: list and status show nothing of it, not even that it exists.
    const bobList = await shown(command(b, general(b), BOB, 'list'));
    expect(bobList).not.toContain('Vault token');
    expect(bobList).not.toContain(o.channelId);
    const bobStatus = await shown(command(b, o.channelId, BOB, 'status'));
    expect(bobStatus).toMatch(/works inside an incident channel/);
    expect(bobStatus).not.toContain('Vault');
    expect(ackText(await command(b, o.channelId, BOB, 'ack'))).toMatch(/works inside an incident channel/);
    // A member sees it.
    expect(await shown(command(b, general(b), CAROL, 'list'))).toContain(TITLE);
    expect(await shown(command(b, o.channelId, CAROL, 'status'))).toContain(TITLE);

    // Worked as usual inside: a sev1 private incident is still never announced.
    await command(b, o.channelId, CAROL, 'ack');
    await command(b, o.channelId, CAROL, 'update Token revoked; checking the audit log');
    // While it is open, /metrics counts it (by severity), and says nothing of its title.
    await waitFor(async () => (await doc(b, o.incidentId)).lastUpdate, { what: 'the update' });
    const metricsOpen = await (await fetch(`${b.url}/metrics`)).text();
    expect(openOf(metricsOpen, 'sev1')).toBe(1);
    for (const word of ['Vault', 'token leaked', 'leaked', 'paste site', TITLE]) expect(metricsOpen).not.toContain(word);
    await command(b, o.channelId, CAROL, 'resolve Token rotated, no use of it found');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'resolved', { what: 'resolved' });
    await waitFor(() => b.sim.messages(o.channelId).some((m) => (m.files ?? []).some((f) => f.name.startsWith('postmortem-'))), { what: 'postmortem uploaded', timeout: 30_000 });

    // The title reaches no Slack call outside its channel.
    // (Its channel's own name, made from the title, is only seen by its members: not a leak.)
    const outside = b.sim.calls.filter((c) => channelOf(c) !== o.channelId && c.params.name !== ch.name);
    expect(outside.filter((c) => /vault.token/i.test(JSON.stringify(c.params)))).toEqual([]);
    // Nor any private answer (command ack, response_url reply, ephemeral) to someone outside it.
    const answers = privateAnswersLeaking(b.sim, o.channelId, /vault.token/i);
    expect(answers.outside).toBeGreaterThanOrEqual(3);
    expect(answers.leaks).toEqual([]);
    expect(b.sim.calls.filter((c) => channelOf(c) === announceId)).toEqual([]);
    // /metrics counts incidents by severity, without titles; the postmortem route wants credentials.
    expect(await (await fetch(`${b.url}/metrics`)).text()).not.toContain('Vault');
    expect((await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`)).status).toBe(401);
  });

  it('the form\'s private box declares a private incident', async () => {
    await command(b, general(b), CAROL, 'declare --private');
    const view = await waitFor(() => b.sim.openedViews().find((v) => v.userId === CAROL && v.view.callback_id === 'incident.declare'), { what: 'declare form' });
    // `declare --private` without a title opens the form with the box already ticked.
    expect(JSON.stringify(view.view.blocks)).toContain('initial_options');
    const values = {
      declare_title: { title: { type: 'plain_text_input', value: FORM_TITLE } },
      declare_severity: { severity: { type: 'static_select', selected_option: { value: 'sev2' } } },
      declare_private: { private: { type: 'checkboxes', selected_options: [{ value: 'private' }] } },
    };
    expect((await b.sim.viewSubmission({ userId: CAROL, callbackId: 'incident.declare', values })).status).toBe(200);
    const o = await opened(b, /suspicious-admin-logins-from-an-unknown-network$/);
    expect(b.sim.channel(o.channelId)).toMatchObject({ is_private: true });
    expect([...b.sim.channel(o.channelId)!.members].sort()).toEqual([CAROL, b.sim.botUserId].sort());
    expect(await shown(command(b, general(b), ALICE, 'list'))).not.toContain('Suspicious admin');
  });

  it('a runbook with private: true opens private incidents from its alerts, with its responders only', async () => {
    // The opening job held back: the incident intake writes is private already, before any channel.
    const conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    const incidentsQueue = new Queue(QUEUES.incidents, { connection: conn, prefix: keysOf(b).queuePrefix });
    await incidentsQueue.pause();
    try {
      const res = await b.post('/webhooks/generic', checkoutAlert({ title: RUNBOOK_TITLE, service: 'vault', fingerprint: 'vault-exfil', group: 'vault-exfil', severity: 'sev1' }));
      expect(res.status).toBe(202);
      const id = await waitFor(() => b.redis.get(keysOf(b).openGroup('generic:vault-exfil')), { what: 'the incident claimed by intake' });
      const early = await waitFor(async () => ((await b.redis.hget(keysOf(b).incident(id), 'doc')) ? doc(b, id) : undefined), { what: 'the incident written by intake' });
      expect(early.slack.channelId).toBeUndefined();
      expect(await shown(command(b, general(b), ALICE, 'list'))).not.toContain('exfiltration');
      expect(await shown(command(b, general(b), DAVE, 'list'))).not.toContain('exfiltration');
      expect(early.private).toBe(true);
      expect(b.sim.channels().some((c) => /secrets-exfiltration/.test(c.name))).toBe(false);
    } finally {
      await incidentsQueue.resume();
      await incidentsQueue.close();
      conn.disconnect();
    }
    const o = await opened(b, /secrets-exfiltration-suspected-on-vault$/);
    const ch = b.sim.channel(o.channelId)!;
    expect(ch.is_private).toBe(true);
    expect([...ch.members].sort()).toEqual([DAVE, b.sim.botUserId].sort());
    expect((await doc(b, o.incidentId)).private).toBe(true);
    expect(await shown(command(b, general(b), ALICE, 'list'))).not.toContain('exfiltration');
    expect(await shown(command(b, general(b), DAVE, 'list'))).toContain(RUNBOOK_TITLE);
    // (Its channel's own name, made from the title, is only seen by its members: not a leak.)
    const outside = b.sim.calls.filter((c) => channelOf(c) !== o.channelId && c.params.name !== ch.name);
    expect(outside.filter((c) => /exfiltration/i.test(JSON.stringify(c.params)))).toEqual([]);
    const answers = privateAnswersLeaking(b.sim, o.channelId, /exfiltration/i);
    expect(answers.outside).toBeGreaterThanOrEqual(2);
    expect(answers.leaks).toEqual([]);
  });

  it('every call was allowed by the manifest\'s scopes', () => {
    expect(b.sim.calls.filter((c) => c.error === 'missing_scope').map((c) => c.method)).toEqual([]);
  });
});

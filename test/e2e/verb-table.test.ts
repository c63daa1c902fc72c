import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERBS, needsText, type Verb } from '../../src/incidents/verbs.js';
import { ok } from '../../src/result.js';
import { startBeacon, waitFor, WEBHOOK_TOKEN, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, ackText, alertIncident, command, general, waitForEphemeral, waitForSay } from './lifecycle-helpers.js';

/**
 * Issue "one clear house", done when 3: a verb added through the verb table alone (no listener,
 * service, help or postmortem code) is listed in help, answered by the listener, carried out by
 * the worker and recorded on the timeline.
 */
describe('a verb added to the verb table alone', () => {
  // A timeline-only verb, and one that changes the incident and is announced.
  const poke: Verb = {
    name: 'poke',
    usage: 'poke <text>',
    what: 'nudge the incident (a test verb)',
    where: 'incident',
    run: 'record',
    parse: needsText('Say what to poke about, e.g. `/incident poke the gateway`.'),
    timeline: 'poked',
  };
  const label: Verb = {
    name: 'label',
    usage: 'label <word>',
    what: 'label the incident (a test verb)',
    where: 'incident',
    run: 'change',
    parse: (raw) => (/^[a-z]+$/.test(raw.trim()) ? ok(raw.trim()) : { ok: false, reason: 'One lower-case word, e.g. `/incident label payments`.' }),
    apply: (i, c) => ok({ ...i, labels: { ...i.labels, beacon_label: c.args } }),
    timeline: 'labelled',
    announce: true,
    describe: (ev) => `Labelled ${ev.text}`,
  };
  let b: TestBeacon;
  beforeAll(async () => {
    VERBS.push(poke, label);
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
    VERBS.splice(VERBS.indexOf(poke), 1);
    VERBS.splice(VERBS.indexOf(label), 1);
  });
  const timeline = (id: string) => timelineEvents<{ id: string; kind: string; text: string; actor?: string }>(b.redis, keysOf(b), id);

  it('is listed in help', async () => {
    const answer = ackText(await command(b, general(b), ALICE, 'help'));
    expect(answer).toContain('/incident poke &lt;text&gt;` · nudge the incident (a test verb)');
    expect(answer).toContain('/incident label &lt;word&gt;` · label the incident (a test verb)');
  });

  it('is answered by the listener: outside an incident channel, and with a bad argument', async () => {
    expect(ackText(await command(b, general(b), ALICE, 'poke hello'))).toMatch(/`\/incident poke` works inside an incident channel/);
    const o = await alertIncident(b, 'verb-table-args');
    expect(ackText(await command(b, o.channelId, ALICE, 'poke'))).toContain('Say what to poke about');
    expect(ackText(await command(b, o.channelId, ALICE, 'label Two Words'))).toContain('One lower-case word');
  });

  it('is carried out by the worker, recorded on the timeline, announced and in the postmortem', async () => {
    const o = await alertIncident(b, 'verb-table');
    expect(ackText(await command(b, o.channelId, ALICE, 'poke the payment gateway'))).toBe('');
    await waitForEphemeral(b, ALICE, /Recorded in the timeline \(`\/incident poke`\)/);
    expect(ackText(await command(b, o.channelId, ALICE, 'label payments'))).toBe('');
    await waitForSay(b, o.channelId, /ran `\/incident label`: payments/);

    const events = await waitFor(async () => {
      const all = await timeline(o.incidentId);
      return all.some((e) => e.kind === 'poked') && all.some((e) => e.kind === 'labelled') ? all : undefined;
    }, { what: 'both entries on the timeline' });
    expect(events.find((e) => e.kind === 'poked')).toMatchObject({ text: 'the payment gateway', actor: ALICE });
    expect(events.find((e) => e.kind === 'labelled')).toMatchObject({ text: 'payments', actor: ALICE });

    const pm = await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } });
    const md = await pm.text();
    expect(md).toContain('Labelled payments');
    expect(md).toMatch(/Poked.*: the payment gateway/);
  });
});

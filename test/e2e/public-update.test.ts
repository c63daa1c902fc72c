import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeStore } from '../../src/changes/store.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { ChecklistStore } from '../../src/runbooks/checklist-store.js';
import type { StatusReport } from '../../src/status/model.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { TimelineStore } from '../../src/timeline/store.js';
import { statusRoutes } from '../../src/web/status/routes.js';
import { WEBHOOK_TOKEN, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, timelineEvents } from '../support/builders.js';
import { ALICE, BOB, CAROL, alertIncident, command, doc, general, opened, waitForEphemeral, waitForSay, type Opened } from './lifecycle-helpers.js';

/**
 * Issue 14, the public status page: `/incident update --public <text>` typed in Slack (signed
 * slash commands through the simulator, Beacon's web and worker running) reaches GET /status and
 * /status.json; a plain update does not; a private incident and a drill are refused and never
 * shown; a resolved incident stays 7 days, then drops off; hostile text is text everywhere.
 *
 * The status routes are mounted here on a small HTTP server over the test's Redis and key prefix
 * (exactly what the web router mounts), so that the page's clock can be driven 7 days on. Where
 * the web process already serves /status itself, the test checks it answers the same.
 */
const PUBLIC_1 = 'We are investigating failed card payments at checkout.';
const PUBLIC_2 = 'Cause found: the payment gateway rejects our API key. Rotating it now.';
const PLAIN = 'Internal: rolled back deploy 4121, gateway logs show 401s';
/** What Slack sends when someone types `<script>alert(1)</script> <!channel>`: `<`, `>`, `&` as entities, the special mention as is. */
const HOSTILE_SENT = '&lt;script&gt;alert(1)&lt;/script&gt; <!channel> &amp; more';
const HOSTILE = '<script>alert(1)</script> <!channel> & more';
const DAY = 24 * 60 * 60 * 1000;

describe('public status updates, from Slack to the status page', () => {
  let b: TestBeacon;
  let page: { server: Server; url: string };
  let clock: Date | undefined;
  let o: Opened;
  const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });

  beforeAll(async () => {
    b = await startBeacon();
    const keys = keysOf(b);
    const route = statusRoutes({
      incidents: new IncidentStore(b.redis, keys),
      timeline: new TimelineStore(b.redis, keys),
      changes: new ChangeStore(b.redis, keys),
      checklists: new ChecklistStore(b.redis, keys),
      runbooks: () => [],
      now: () => clock ?? new Date(),
      redis: b.redis,
      keys,
    });
    const server = createServer((req, res) => {
      void route(req, res, new URL(req.url ?? '/', 'http://status.test')).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    page = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });
  afterAll(async () => {
    await new Promise((r) => page?.server.close(r));
    await b?.close();
  });

  const statusJson = async (): Promise<StatusReport> => (await (await fetch(`${page.url}/status.json`)).json()) as StatusReport;
  const statusHtml = async (): Promise<string> => (await fetch(`${page.url}/status`)).text();
  const shownTexts = (r: StatusReport) => r.services.flatMap((s) => s.incidents.flatMap((i) => i.updates.map((u) => u.text)));
  const publicOf = async (id: string) => (await timelineEvents<TimelineEvent>(b.redis, keysOf(b), id)).filter((e) => e.kind === 'update');

  it('starts with nothing on the page: All systems operational', async () => {
    const r = await statusJson();
    expect(r).toMatchObject({ health: 'operational', summary: 'All systems operational', services: [] });
    expect(await statusHtml()).toContain('<h1>All systems operational</h1>');
  });

  it('a plain update stays in Slack; update --public reaches /status and /status.json, once per delivery', async () => {
    o = await alertIncident(b, 'public-page', { severity: 'sev1', service: 'checkout' });
    await command(b, o.channelId, ALICE, `update ${PLAIN}`);
    await waitForSay(b, o.channelId, /Status update/);
    // A service appears only after its first public update.
    await waitFor(async () => (await publicOf(o.incidentId)).length === 1, { what: 'the plain update on the timeline' });
    expect((await statusJson()).services).toEqual([]);

    // Typed once, delivered twice (a Slack retry carries the same trigger): one update, one message.
    await command(b, o.channelId, ALICE, `update --public ${PUBLIC_1}`, 'trigger-public-1');
    await command(b, o.channelId, ALICE, `update --public ${PUBLIC_1}`, 'trigger-public-1');
    const said = await waitForSay(b, o.channelId, /Public update/);
    expect(said).toContain('📣 *Public update* · also on the status page');
    expect(said).toContain(PUBLIC_1);
    const r = await waitFor(async () => {
      const s = await statusJson();
      return s.services.length ? s : undefined;
    }, { what: 'the public update on /status.json' });
    expect(r.health).toBe('major_outage');
    expect(r.summary).toBe('Major outage: checkout');
    expect(r.services).toHaveLength(1);
    const inc = r.services[0]!.incidents[0]!;
    expect(r.services[0]!.name).toBe('checkout');
    expect(inc).toMatchObject({ id: o.incidentId, title: 'Lifecycle public-page', severity: 'sev1', state: 'investigating', resolvedAt: null });
    expect(inc.updates.map((u) => [u.state, u.text])).toEqual([['investigating', PUBLIC_1]]);
    expect(shownTexts(r)).not.toContain(PLAIN);

    const entries = await waitFor(async () => {
      const e = await publicOf(o.incidentId);
      return e.length === 2 ? e : undefined;
    }, { what: 'the public update on the timeline' });
    expect(entries[1]).toMatchObject({ text: PUBLIC_1, data: { public: true }, actor: ALICE });
    expect(entries[0]!.data).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.sim.messages(o.channelId).filter((m) => /Public update/.test(m.text ?? ''))).toHaveLength(1);
    expect((await statusJson()).services[0]!.incidents[0]!.updates).toHaveLength(1);
    expect((await doc(b, o.incidentId)).lastUpdate).toBe(PUBLIC_1);

    const html = await statusHtml();
    expect(html).toContain(PUBLIC_1);
    expect(html).not.toContain(PLAIN);
    expect(html).toContain('Investigating');
  });

  it('shows the state in customer words as the incident moves, newest update first', async () => {
    await command(b, o.channelId, BOB, 'ack');
    await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged', { what: 'acknowledged' });
    expect((await statusJson()).services[0]!.incidents[0]!.state).toBe('identified');
    await command(b, o.channelId, BOB, `update --public ${PUBLIC_2}`);
    const r = await waitFor(async () => {
      const s = await statusJson();
      return s.services[0]!.incidents[0]!.updates.length === 2 ? s : undefined;
    }, { what: 'the second public update' });
    expect(r.services[0]!.incidents[0]!.updates.map((u) => [u.state, u.text])).toEqual([
      ['identified', PUBLIC_2],
      ['investigating', PUBLIC_1],
    ]);
    const html = await statusHtml();
    expect(html.indexOf(PUBLIC_2)).toBeLessThan(html.indexOf(PUBLIC_1));
    expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
  });

  it('hostile text: plain text on the page and in the JSON, and no channel ping in Slack', async () => {
    await command(b, o.channelId, ALICE, `update --public ${HOSTILE_SENT}`);
    const r = await waitFor(async () => {
      const s = await statusJson();
      return shownTexts(s).includes(HOSTILE) ? s : undefined;
    }, { what: 'the hostile update' });
    expect(shownTexts(r)).toContain(HOSTILE);
    const raw = await (await fetch(`${page.url}/status.json`)).text();
    expect(raw).not.toContain('<');

    const res = await fetch(`${page.url}/status`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<!channel>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &amp; more');
    const report = await validator.validateString(html);
    expect(report.results.flatMap((x) => x.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);

    const msg = await waitForSay(b, o.channelId, /alert\(1\)/);
    expect(msg).toContain('&lt;!channel&gt;');
    expect(msg).not.toContain('<!channel>');
    expect(msg).not.toContain('<script>');
  });

  it('refuses a public update in a private incident, privately, and never shows it', async () => {
    await command(b, general(b), CAROL, 'declare --private Suspicious logins on the admin console sev2');
    const p = await opened(b, /suspicious-logins-on-the-admin-console$/);
    await command(b, p.channelId, CAROL, 'update --public Admin console logins are being reviewed');
    await waitForEphemeral(b, CAROL, /Private incidents and drills never go on the status page/);
    // A plain update there still works.
    await command(b, p.channelId, CAROL, 'update Reviewing the audit log');
    await waitForSay(b, p.channelId, /Reviewing the audit log/);
    expect(b.sim.messages(p.channelId).some((m) => /Admin console logins/.test(`${m.text} ${JSON.stringify(m.blocks)}`))).toBe(false);
    const r = await statusJson();
    expect(JSON.stringify(r)).not.toMatch(/Suspicious|Admin console|audit log/);
    expect(await statusHtml()).not.toMatch(/Suspicious|Admin console/);
    expect(await b.redis.zscore(keysOf(b).statusIncidents(), p.incidentId)).toBeNull();
  });

  it('refuses a public update in a drill, and never shows it', async () => {
    await command(b, general(b), CAROL, 'drill checkout-credentials');
    const d = await opened(b, /^drill-\d{8}-checkout-cannot-take-payments$/);
    await command(b, d.channelId, CAROL, 'update --public Drill: payments are failing');
    await waitFor(() => b.sim.ephemerals.find((e) => e.user === CAROL && e.channel === d.channelId && /never go on the status page/.test(e.text)), { what: 'the drill refusal' });
    const r = await statusJson();
    expect(JSON.stringify(r)).not.toMatch(/Drill|cannot take payments/);
    expect(r.services.map((s) => s.incidents.map((i) => i.id)).flat()).toEqual([o.incidentId]);
  });

  it('an empty public update is refused at once with how to write one', async () => {
    const answer = await command(b, o.channelId, ALICE, 'update --public');
    expect(answer.body).toMatch(/Say what customers should read/);
  });

  it('a resolved incident stays 7 days after it was resolved, then drops off', async () => {
    await command(b, o.channelId, ALICE, 'resolve Rotated the gateway key');
    const resolvedAt = await waitFor(async () => (await doc(b, o.incidentId)).resolvedAt, { what: 'resolved' });
    const r = await statusJson();
    expect(r.summary).toBe('All systems operational');
    expect(r.services[0]).toMatchObject({ name: 'checkout', health: 'operational' });
    expect(r.services[0]!.incidents[0]).toMatchObject({ state: 'resolved', resolvedAt });
    // The postmortem reads the public updates as such.
    const md = await waitFor(async () => {
      const res = await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } });
      return res.status === 200 ? res.text() : undefined;
    }, { what: 'the postmortem' });
    expect(md).toContain(`Public status update: ${PUBLIC_1}`);
    expect(md).toContain(`Status update: ${PLAIN}`);

    clock = new Date(Date.parse(resolvedAt) + 7 * DAY - 60_000);
    expect((await statusJson()).services.map((s) => s.name)).toEqual(['checkout']);
    clock = new Date(Date.parse(resolvedAt) + 7 * DAY + 1000);
    const gone = await statusJson();
    expect(gone).toMatchObject({ health: 'operational', summary: 'All systems operational', services: [] });
    const html = await statusHtml();
    expect(html).not.toContain(PUBLIC_1);
    expect(html).toContain('No incidents reported in the last 7 days.');
    expect(await b.redis.zscore(keysOf(b).statusIncidents(), o.incidentId)).toBeNull();
    clock = undefined;
  });

  // Skipped (and shown as skipped) until the web router (src/web/router.ts) exists to mount statusRoutes.
  it.skipIf(!existsSync(new URL('../../src/web/router.ts', import.meta.url)))('is served by the web process too, as mounted by the router', async () => {
    const res = await fetch(`${b.url}/status.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    const served = (await res.json()) as StatusReport & { version: number };
    const mine = await statusJson();
    expect({ ...served, generatedAt: '' }).toEqual({ ...mine, generatedAt: '' });
  });
});

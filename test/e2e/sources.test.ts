import { createHmac } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeStore } from '../../src/changes/store.js';
import { Keys } from '../../src/keys.js';
import { WEBHOOK_TOKEN, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, sourceFixture, sourceFixtureText, timelineEvents } from '../support/builders.js';

/**
 * Issue #3, "done when" 1 and 4: every alert source, through the running app over HTTP (web and
 * worker in-process, the Slack simulator, a real Redis). Each source's fixtures open an incident
 * channel whose card shows the right title, severity, service and link; a second alert of the
 * same group joins that channel; the resolved payload leaves 0 firing and the "every alert has
 * resolved" prompt. Then webhook signatures, PagerDuty retries and change events.
 */

type Json = Record<string, any>;

const fixture = (source: string, name: string): Json => sourceFixture<Json>(source, name);

const WAIT = 40_000;

/** Every `text` string in a Block Kit tree (sections, fields, context, headers, buttons). */
function blockText(v: unknown): string {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      for (const [k, val] of Object.entries(x)) {
        if (k === 'text' && typeof val === 'string') out.push(val);
        else walk(val);
      }
    }
  };
  walk(v);
  return out.join('\n');
}

/** Helpers bound to one running Beacon. */
function inspect(b: () => TestBeacon) {
  const metaKey = (m: { metadata?: unknown }) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
  const slot = (channelId: string, name: string) => b().sim.messages(channelId).find((m) => metaKey(m)?.endsWith(`:${name}`));
  const channelsNamed = (re: RegExp) => b().sim.channels().filter((c) => re.test(c.name));

  const h = {
    channelsNamed,
    async channel(re: RegExp) {
      return waitFor(() => channelsNamed(re)[0], { what: `channel ${re}`, timeout: WAIT });
    },
    /** The card's header, field texts and context line, as currently edited. */
    card(channelId: string) {
      const m = slot(channelId, 'card');
      if (!m) return undefined;
      const blocks = (m.blocks ?? []) as Json[];
      return {
        header: String(blocks.find((x) => x.type === 'header')?.text?.text ?? ''),
        fields: blocks.flatMap((x) => (Array.isArray(x.fields) ? x.fields : [])).map((f: Json) => String(f.text)),
        context: blocks.filter((x) => x.type === 'context').map(blockText).join('\n'),
        all: blockText(blocks),
      };
    },
    alertsText(channelId: string): string {
      const m = slot(channelId, 'alerts');
      return m ? blockText(m.blocks) : '';
    },
    /** Waits until the alerts message satisfies `ok`; on timeout shows what it said. */
    async alerts(channelId: string, ok: (text: string) => boolean, what: string): Promise<string> {
      try {
        return await waitFor(() => {
          const t = h.alertsText(channelId);
          return ok(t) ? t : undefined;
        }, { what, timeout: WAIT });
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- alerts message now:\n${h.alertsText(channelId)}\n--- channel:\n${b().sim.transcript(channelId)}`);
      }
    },
    async expectCard(channelId: string, want: { title: string; severity: string; service: string; link: string; status?: string }) {
      const card = await waitFor(() => h.card(channelId), { what: 'card', timeout: WAIT });
      expect(card.header).toContain(want.title);
      expect(card.fields).toContain(`*Severity*\n${want.severity}`);
      expect(card.fields).toContain(`*Service*\n${want.service}`);
      expect(card.fields).toContain(`*Status*\n${want.status ?? '🚨 Triggered'}`);
      expect(card.context).toContain(`<${want.link}|Alert source>`);
      const transcript = b().sim.transcript(channelId);
      expect(transcript).toContain(want.title);
      expect(transcript).toContain(`Alert source (${want.link})`);
      return card;
    },
    incidentId(channelId: string) {
      return b().redis.get(keysOf(b()).channel(channelId));
    },
    timeline(incidentId: string): Promise<Json[]> {
      return timelineEvents<Json>(b().redis, keysOf(b()), incidentId);
    },
    /**
     * Waits until no intake job is left and no Slack job of an incident is waiting, delayed or
     * running: after that nothing a request caused can still change what a test reads.
     */
    async settled() {
      const conn = new Redis(b().config.redis.url, { maxRetriesPerRequest: null });
      conn.on('error', () => {});
      const prefix = keysOf(b()).queuePrefix;
      const intake = new Queue('intake', { connection: conn, prefix });
      const incidents = new Queue('incidents', { connection: conn, prefix });
      const slackJobs = new Set(['incident.open', 'alerts.refresh', 'card.refresh']);
      try {
        await waitFor(
          async () => {
            const counts = await intake.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
            if (Object.values(counts).some((n) => n > 0)) return false;
            const busy = await incidents.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused']);
            return !busy.some((j) => j && slackJobs.has(j.name));
          },
          { what: 'queues settled', timeout: WAIT, interval: 100 },
        );
      } finally {
        await intake.close();
        await incidents.close();
        conn.disconnect();
      }
    },
  };
  return h;
}

const NOTE = 'Every alert of this incident has resolved';

describe('every alert source, end to end', () => {
  let b: TestBeacon;
  const h = inspect(() => b);
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('alertmanager: opens, counts a new alert of the group, keeps what is still firing, then resolves', async () => {
    const firing = fixture('alertmanager', 'firing.json');
    const res = await b.post('/webhooks/alertmanager', firing);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 2 });

    const ch = await h.channel(/checkout-5xx-rate-above-5-for-10-minutes/);
    await h.expectCard(ch.id, {
      title: 'Checkout 5xx rate above 5% for 10 minutes',
      severity: 'SEV1 · critical',
      service: 'checkout',
      link: 'http://prometheus.example.internal:9090/graph?g0.expr=checkout_5xx_ratio+%3E+0.05&g0.tab=1',
    });
    expect(h.card(ch.id)!.context).toContain('<https://runbooks.example.com/checkout/5xx|Runbook>');
    // The second alert's endsAt lies in the past, but its own status says firing.
    await h.alerts(ch.id, (t) => t.includes('2 firing, 0 resolved'), 'both alerts firing');

    // resolved.json: the first alert resolved, the second still firing.
    expect((await b.post('/webhooks/alertmanager', fixture('alertmanager', 'resolved.json'))).status).toBe(202);
    const partly = await h.alerts(ch.id, (t) => t.includes('1 firing, 1 resolved'), 'one resolved, one firing');
    expect(partly).not.toContain(NOTE);

    // The next notification of the group carries a new alert: same channel, counted.
    const newAlert = {
      status: 'firing',
      labels: { alertname: 'CheckoutErrors', team: 'payments', service: 'checkout', severity: 'critical', instance: 'checkout-5a6b:8080', job: 'checkout-api' },
      annotations: { summary: 'Checkout 5xx rate above 5% on checkout-5a6b' },
      startsAt: '2026-03-04T09:50:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://prometheus.example.com/graph?g0.expr=checkout_5xx_ratio',
      fingerprint: '9d8c7b6a5f4e3d21',
    };
    const update = { ...firing, alerts: [firing.alerts[1], newAlert] };
    expect((await b.post('/webhooks/alertmanager', update)).body).toEqual({ accepted: 2 });
    const counted = await h.alerts(ch.id, (t) => t.includes('2 firing, 1 resolved · 3 distinct'), 'new alert counted');
    expect(counted).toContain('Checkout 5xx rate above 5% on checkout-5a6b');

    // Every alert of the group resolved.
    const allResolved = {
      ...firing,
      status: 'resolved',
      alerts: [...firing.alerts, newAlert].map((a: Json) => ({ ...a, status: 'resolved', endsAt: '2026-03-04T10:45:00Z' })),
    };
    expect((await b.post('/webhooks/alertmanager', allResolved)).status).toBe(202);
    const done = await h.alerts(ch.id, (t) => t.includes('0 firing, 3 resolved'), 'all resolved');
    expect(done).toContain(NOTE);
    expect(h.channelsNamed(/checkout-5xx/)).toHaveLength(1);
  });

  it('alertmanager: truncatedAlerts shows how many alerts Alertmanager cut; unsafe links never reach Slack', async () => {
    const res = await b.post('/webhooks/alertmanager', fixture('alertmanager', 'truncated-odd-links.json'));
    expect(res.status).toBe(202);
    const ch = await h.channel(/disk-on-ledger-db-fills-within-4h/);
    const text = await h.alerts(ch.id, (t) => t.includes('cut 17 more'), 'truncated count');
    expect(text).toMatch(/1 firing/);
    const card = await waitFor(() => h.card(ch.id), { what: 'card', timeout: WAIT });
    expect(card.header).toContain('Disk on ledger-db fills within 4h');
    expect(card.header).not.toContain('Predicted');
    expect(card.fields).toContain('*Severity*\nSEV1 · critical');
    expect(card.fields).toContain('*Service*\nledger-db');
    expect(b.sim.transcript(ch.id)).not.toMatch(/javascript:/);
    expect(card.context).not.toContain('Alert source');
  });

  it('alertmanager and grafana: a payload Beacon cannot read is a 400 naming version', async () => {
    const v3 = await b.post('/webhooks/alertmanager', fixture('alertmanager', 'version-3.json'));
    expect(v3.status).toBe(400);
    expect(v3.body.fields).toEqual([expect.objectContaining({ field: 'version' })]);
    const legacy = await b.post('/webhooks/grafana', fixture('grafana', 'legacy-alerting.json'));
    expect(legacy.status).toBe(400);
    expect((legacy.body.fields as { field: string }[]).map((f) => f.field)).toContain('version');
  });

  it('grafana: opens with rule, dashboard, panel and silence links, counts a new alert, resolves per alert', async () => {
    const firing = fixture('grafana', 'firing.json');
    const res = await b.post('/webhooks/grafana', firing);
    expect(res.body).toEqual({ accepted: 2 });
    const ch = await h.channel(/p99-latency-of-api-gateway-above-800ms-in-eu-west-1/);
    const card = await h.expectCard(ch.id, {
      title: 'p99 latency of api-gateway above 800ms in eu-west-1',
      severity: 'SEV2 · major',
      service: 'api-gateway',
      link: 'https://grafana.example.com/alerting/grafana/bdx81kq/view?orgId=1',
    });
    expect(card.context).toContain('<https://grafana.example.com/d/gw01/api-gateway?orgId=1|Dashboard>');
    expect(card.context).toContain('|Panel>');
    expect(card.context).toContain('|Silence>');
    expect(card.context).not.toContain('Image');
    // The group's title ("[FIRING:2] Platform") names the notification, not the incident.
    expect(card.header).not.toContain('FIRING');
    await h.alerts(ch.id, (t) => t.includes('2 firing, 0 resolved'), 'both firing');

    expect((await b.post('/webhooks/grafana', fixture('grafana', 'resolved.json'))).status).toBe(202);
    const partly = await h.alerts(ch.id, (t) => t.includes('1 firing, 1 resolved'), 'one resolved');
    expect(partly).not.toContain(NOTE);

    const newAlert = {
      ...firing.alerts[0],
      labels: { ...firing.alerts[0].labels, region: 'us-east-1' },
      annotations: { summary: 'p99 latency of api-gateway above 800ms in us-east-1' },
      fingerprint: 'e5f6a7b8c9d01234',
    };
    expect((await b.post('/webhooks/grafana', { ...firing, alerts: [firing.alerts[1], newAlert] })).status).toBe(202);
    const counted = await h.alerts(ch.id, (t) => t.includes('2 firing, 1 resolved · 3 distinct'), 'new alert counted');
    expect(counted).toContain('p99 latency of api-gateway above 800ms in us-east-1');

    const allResolved = {
      ...firing,
      status: 'resolved',
      alerts: [...firing.alerts, newAlert].map((a: Json) => ({ ...a, status: 'resolved', endsAt: '2026-05-11T12:40:00Z' })),
    };
    expect((await b.post('/webhooks/grafana', allResolved)).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('0 firing, 3 resolved'), 'all resolved')).toContain(NOTE);
    expect(h.channelsNamed(/api-gateway/)).toHaveLength(1);
  });

  it('grafana: drops data: and javascript: links, keeps the image link', async () => {
    expect((await b.post('/webhooks/grafana', fixture('grafana', 'image-and-bad-links.json'))).status).toBe(202);
    const ch = await h.channel(/mail-queue-backlog-over-10k/);
    const card = await waitFor(() => h.card(ch.id), { what: 'card', timeout: WAIT });
    expect(card.fields).toContain('*Severity*\nSEV4 · low');
    expect(card.fields).toContain('*Service*\nmailer');
    expect(card.context).toContain('<https://grafana.example.com/public/img/attachments/queue.png|Image>');
    expect(card.context).toContain('|Silence>');
    expect(card.context).not.toContain('Alert source');
    expect(card.context).not.toContain('Dashboard');
    expect(b.sim.transcript(ch.id)).not.toMatch(/javascript:|data:text/);
  });

  it('datadog: opens from the template payload, counts another scope of the monitor, resolves on Recovered', async () => {
    const triggered = fixture('datadog', 'triggered.json');
    expect((await b.post('/webhooks/datadog', triggered)).body).toEqual({ accepted: 1 });
    const ch = await h.channel(/search-latency-is-high/);
    await h.expectCard(ch.id, {
      title: '[Triggered on {host:web-03,service:search}] Search latency is high',
      severity: 'SEV2 · major',
      service: 'search',
      link: 'https://app.datadoghq.com/event/event?id=7843209461228370112',
    });
    await h.alerts(ch.id, (t) => t.includes('1 firing, 0 resolved'), 'first firing');

    // The same monitor (alert_id) fires for another host: a second alert of the same group.
    const web04 = (over: Json): Json => ({
      ...over,
      alert_scope: 'host:web-04,service:search',
      alert_cycle_key: '6911843902417563099',
      hostname: 'web-04',
      tags: 'env:prod,host:web-04,monitor,service:search,team:discovery',
      alert_title: String(over.alert_title).replace('web-03', 'web-04'),
      title: String(over.title).replace('web-03', 'web-04'),
      id: `${over.id}4`,
    });
    expect((await b.post('/webhooks/datadog', web04(triggered))).status).toBe(202);
    const counted = await h.alerts(ch.id, (t) => t.includes('2 firing, 0 resolved · 2 distinct'), 'second host counted');
    expect(counted).toContain('web-04');

    expect((await b.post('/webhooks/datadog', fixture('datadog', 'recovered.json'))).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('1 firing, 1 resolved'), 'web-03 recovered')).not.toContain(NOTE);
    expect((await b.post('/webhooks/datadog', web04(fixture('datadog', 'recovered.json')))).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('0 firing, 2 resolved'), 'all recovered')).toContain(NOTE);
    expect(h.channelsNamed(/search-latency/)).toHaveLength(1);
  });

  it("datadog: Datadog's default payload opens and resolves by its title", async () => {
    expect((await b.post('/webhooks/datadog', fixture('datadog', 'default-triggered.json'))).status).toBe(202);
    const ch = await h.channel(/disk-almost-full/);
    const card = await waitFor(() => h.card(ch.id), { what: 'card', timeout: WAIT });
    expect(card.header).toContain('Disk almost full');
    expect(card.fields).toContain('*Severity*\nSEV1 · critical');
    await h.alerts(ch.id, (t) => t.includes('1 firing, 0 resolved'), 'firing');
    expect((await b.post('/webhooks/datadog', fixture('datadog', 'default-recovered.json'))).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('0 firing, 1 resolved'), 'recovered')).toContain(NOTE);
  });

  it('pagerduty: triggered opens, acknowledged marks the incident acknowledged, resolved resolves the alert', async () => {
    expect((await b.post('/webhooks/pagerduty', fixture('pagerduty', 'triggered.json'))).body).toEqual({ accepted: 1 });
    const ch = await h.channel(/invoice-generation-failing-for-12-of-accounts/);
    await h.expectCard(ch.id, {
      title: 'Invoice generation failing for 12% of accounts',
      severity: 'SEV1 · critical',
      service: 'Billing API',
      link: 'https://example.pagerduty.com/incidents/Q2X9ABCD1EFGH',
    });
    await h.alerts(ch.id, (t) => t.includes('1 firing, 0 resolved · 1 distinct · 1 notification'), 'triggered');

    // The acknowledgement is the group's next notification: same channel, counted, card updated.
    expect((await b.post('/webhooks/pagerduty', fixture('pagerduty', 'acknowledged.json'))).status).toBe(202);
    const acked = await waitFor(() => {
      const c = h.card(ch.id);
      return c?.fields.includes('*Status*\n👀 Acknowledged') ? c : undefined;
    }, { what: 'card shows Acknowledged', timeout: WAIT });
    expect(b.sim.transcript(ch.id)).toContain('Acknowledged');
    expect(b.sim.transcript(ch.id)).not.toContain('[Acknowledge]');
    await h.alerts(ch.id, (t) => t.includes('1 distinct · 2 notifications'), 'ack counted');

    expect((await b.post('/webhooks/pagerduty', fixture('pagerduty', 'resolved.json'))).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('0 firing, 1 resolved'), 'resolved')).toContain(NOTE);
    // Still acknowledged: PagerDuty resolving its alert does not close Beacon's incident.
    expect(h.card(ch.id)!.fields).toContain('*Status*\n👀 Acknowledged');
    expect(h.channelsNamed(/invoice-generation/)).toHaveLength(1);
  });

  it('pagerduty: pagey.ping and other event types answer 2xx and make no channel', async () => {
    const before = b.sim.channels().length;
    const ping = await b.post('/webhooks/pagerduty', fixture('pagerduty', 'ping.json'));
    expect(ping.status).toBe(202);
    // Nothing was queued for it, so nothing can make a channel later.
    expect(ping.body).toEqual({ accepted: 0 });
    const note = await b.post('/webhooks/pagerduty', fixture('pagerduty', 'annotated.json'));
    expect(note.status).toBe(202);
    expect(note.body).toEqual({ accepted: 0 });

    // A low-urgency incident after them: its channel is the only new one.
    expect((await b.post('/webhooks/pagerduty', fixture('pagerduty', 'triggered-low-urgency.json'))).status).toBe(202);
    const ch = await h.channel(/nightly-export-is-late/);
    const card = await waitFor(() => h.card(ch.id), { what: 'card', timeout: WAIT });
    expect(card.header).toContain('Nightly export is late');
    expect(card.header).not.toContain('second line');
    expect(card.fields).toContain('*Severity*\nSEV4 · low');
    expect(b.sim.channels().length).toBe(before + 1);
  });

  it('generic: opens from the fixture, counts a second alert of the group, resolves', async () => {
    const firing = fixture('generic', 'firing.json');
    expect((await b.post('/webhooks/generic', firing)).body).toEqual({ accepted: 1 });
    const ch = await h.channel(/payments-api-error-rate-above-2/);
    await h.expectCard(ch.id, {
      title: 'Payments API error rate above 2%',
      severity: 'SEV2 · major',
      service: 'payments-api',
      link: 'https://grafana.example.com/d/payments/payments-api?orgId=1&viewPanel=2',
    });
    await h.alerts(ch.id, (t) => t.includes('1 firing, 0 resolved'), 'firing');

    const second = { ...firing, title: 'Payments API p99 latency above 1s', fingerprint: 'payments-api-p99' };
    expect((await b.post('/webhooks/generic', second)).status).toBe(202);
    const counted = await h.alerts(ch.id, (t) => t.includes('2 firing, 0 resolved · 2 distinct'), 'second counted');
    expect(counted).toContain('Payments API p99 latency above 1s');

    expect((await b.post('/webhooks/generic', fixture('generic', 'resolved.json'))).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('1 firing, 1 resolved'), 'first resolved')).not.toContain(NOTE);
    expect((await b.post('/webhooks/generic', { alerts: [{ ...second, status: 'resolved' }] })).status).toBe(202);
    expect(await h.alerts(ch.id, (t) => t.includes('0 firing, 2 resolved'), 'all resolved')).toContain(NOTE);
    expect(h.channelsNamed(/payments-api/)).toHaveLength(1);
  });
});

describe('change events', () => {
  let b: TestBeacon;
  const h = inspect(() => b);
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });
  const store = () => new ChangeStore(b.redis, new Keys(b.config.redis.prefix));
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  it('takes one change or a list, stores them, and answers newest first', async () => {
    const from = new Date(Date.now() - 60 * 60_000);
    const one = { service: 'checkout', kind: 'deploy', summary: 'Deploy checkout v1.42.0', version: '1.42.0', author: 'ci', link: 'https://ci.example.com/runs/1', at: minutesAgo(30) };
    const res = await b.post('/webhooks/changes', one);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1 });
    const list = await b.post('/webhooks/changes', {
      changes: [
        { service: 'checkout', kind: 'config', summary: 'Raise checkout pool size to 40', at: minutesAgo(20) },
        { service: 'checkout', kind: 'feature_flag', summary: 'Enable new-payment-form for 10%', at: minutesAgo(10) },
        { service: 'search', summary: 'Deploy search v7', at: minutesAgo(5) },
      ],
    });
    expect(list.status).toBe(202);
    expect(list.body).toEqual({ accepted: 3 });

    const stored = await waitFor(async () => {
      const got = await store().between('checkout', from, new Date());
      return got.length === 3 ? got : undefined;
    }, { what: 'three checkout changes stored', timeout: WAIT });
    expect(stored.map((c) => c.summary)).toEqual(['Enable new-payment-form for 10%', 'Raise checkout pool size to 40', 'Deploy checkout v1.42.0']);
    expect(stored[2]).toMatchObject({ kind: 'deploy', version: '1.42.0', author: 'ci', link: 'https://ci.example.com/runs/1', at: one.at });
    expect(stored[1]!.kind).toBe('config');
    // `kind` defaults to deploy; another service's change stays with that service.
    const search = await waitFor(async () => (await store().between('search', from, new Date()))[0], { what: 'search change', timeout: WAIT });
    expect(search.kind).toBe('deploy');
  });

  it('400 naming each bad field, and nothing stored for it', async () => {
    const missing = await b.post('/webhooks/changes', { kind: 'rollout', link: 'javascript:alert(1)', at: 'yesterday' });
    expect(missing.status).toBe(400);
    expect((missing.body.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['at', 'kind', 'link', 'service', 'summary']);
    const inList = await b.post('/webhooks/changes', { changes: [{ service: 'billing', summary: 'ok' }, { service: 'billing', summary: '' }] });
    expect(inList.status).toBe(400);
    expect(inList.body.fields).toEqual([expect.objectContaining({ field: 'changes.1.summary' })]);
    const empty = await b.post('/webhooks/changes', { changes: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.fields).toEqual([expect.objectContaining({ field: 'changes' })]);
    const unknown = await b.post('/webhooks/changes', { service: 'billing', summary: 'x', colour: 'blue' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.fields)).toContain('colour');
    const notJson = await b.post('/webhooks/changes', null, { raw: '{"service":' });
    expect(notJson.status).toBe(400);
    const noAuth = await b.post('/webhooks/changes', { service: 'billing', summary: 'x' }, { auth: null });
    expect(noAuth.status).toBe(401);
    await h.settled();
    // The first item of the bad list was valid, yet the whole body was refused.
    expect(await store().between('billing', new Date(Date.now() - 3600_000), new Date(Date.now() + 60_000))).toEqual([]);
  });

  it('stores a retried identical change once, with or without its own time', async () => {
    const from = new Date(Date.now() - 60 * 60_000);
    const timed = { service: 'ledger', kind: 'infra', summary: 'Resize ledger-db to r6g.2xlarge', at: minutesAgo(15) };
    const untimed = { service: 'ledger', kind: 'credentials', summary: 'Rotate ledger-db password' };
    for (let i = 0; i < 3; i++) {
      expect((await b.post('/webhooks/changes', timed)).body).toEqual({ accepted: 1 });
      expect((await b.post('/webhooks/changes', untimed)).body).toEqual({ accepted: 1 });
    }
    await waitFor(async () => (await store().between('ledger', from, new Date(Date.now() + 60_000))).length >= 2, { what: 'ledger changes', timeout: WAIT });
    await h.settled();
    const stored = await store().between('ledger', from, new Date(Date.now() + 60_000));
    expect(stored.map((c) => c.summary).sort()).toEqual(['Resize ledger-db to r6g.2xlarge', 'Rotate ledger-db password']);
  });
});

describe('webhook signatures', () => {
  const PD_SECRET = 'pd-signing-secret-3c9e1f';
  const GRAFANA_SECRET = 'grafana-hmac-secret-7a2d4b';
  let b: TestBeacon;
  const h = inspect(() => b);
  beforeAll(async () => {
    b = await startBeacon({ env: { PAGERDUTY_WEBHOOK_SECRET: PD_SECRET, GRAFANA_WEBHOOK_SECRET: GRAFANA_SECRET } });
  });
  afterAll(async () => {
    await b?.close();
  });

  // Computed here from the vendors' documentation, independently of src/.
  const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data, 'utf8').digest('hex');
  const bearer = `Bearer ${WEBHOOK_TOKEN}`;

  it('refuses a wrong signature even with a valid bearer token', async () => {
    const pd = sourceFixtureText('pagerduty', 'triggered-low-urgency.json');
    const pdWrong = await b.post('/webhooks/pagerduty', null, { raw: pd, auth: bearer, headers: { 'x-pagerduty-signature': `v1=${hmac('not-the-secret', pd)}` } });
    expect(pdWrong.status).toBe(401);
    const gf = sourceFixtureText('grafana', 'image-and-bad-links.json');
    const gfWrong = await b.post('/webhooks/grafana', null, { raw: gf, auth: bearer, headers: { 'x-grafana-alerting-signature': hmac('not-the-secret', gf) } });
    expect(gfWrong.status).toBe(401);
    // Signed for another body.
    const gfOther = await b.post('/webhooks/grafana', null, { raw: gf, auth: bearer, headers: { 'x-grafana-alerting-signature': hmac(GRAFANA_SECRET, `${gf} `) } });
    expect(gfOther.status).toBe(401);
    // A correct HMAC with a timestamp ten minutes old is a replay.
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const stale = await b.post('/webhooks/grafana', null, {
      raw: gf,
      auth: null,
      headers: { 'x-grafana-alerting-signature': hmac(GRAFANA_SECRET, `${old}:${gf}`), 'x-grafana-alerting-signature-timestamp': old },
    });
    expect(stale.status).toBe(401);
    // Neither a signature nor a token.
    expect((await b.post('/webhooks/pagerduty', null, { raw: pd, auth: null })).status).toBe(401);
    expect((await b.post('/webhooks/grafana', null, { raw: gf, auth: null })).status).toBe(401);
  });

  it('accepts a correct signature without any Authorization, and acts on it', async () => {
    const gf = sourceFixtureText('grafana', 'firing.json');
    const signed = await b.post('/webhooks/grafana', null, { raw: gf, auth: null, headers: { 'x-grafana-alerting-signature': hmac(GRAFANA_SECRET, gf) } });
    expect(signed.status).toBe(202);
    expect(signed.body).toEqual({ accepted: 2 });
    await h.channel(/p99-latency-of-api-gateway/);

    // With the timestamp header: the signature covers "<timestamp>:<body>".
    const gf2 = sourceFixtureText('grafana', 'image-and-bad-links.json');
    const ts = String(Math.floor(Date.now() / 1000));
    const timed = await b.post('/webhooks/grafana', null, {
      raw: gf2,
      auth: null,
      headers: { 'x-grafana-alerting-signature': hmac(GRAFANA_SECRET, `${ts}:${gf2}`), 'x-grafana-alerting-signature-timestamp': ts },
    });
    expect(timed.status).toBe(202);
    await h.channel(/mail-queue-backlog/);

    // PagerDuty during a secret rotation sends one signature per secret.
    const pd = sourceFixtureText('pagerduty', 'triggered-low-urgency.json');
    const rotated = await b.post('/webhooks/pagerduty', null, {
      raw: pd,
      auth: null,
      headers: { 'x-pagerduty-signature': `v1=${hmac('the-old-secret', pd)},v1=${hmac(PD_SECRET, pd)}` },
    });
    expect(rotated.status).toBe(202);
    expect(rotated.body).toEqual({ accepted: 1 });
    await h.channel(/nightly-export-is-late/);

    // Without a signature the webhook token still works.
    const ping = await b.post('/webhooks/pagerduty', null, { raw: sourceFixtureText('pagerduty', 'ping.json'), auth: bearer });
    expect(ping.status).toBe(202);
  });

  it('takes a PagerDuty delivery retried three times (same body, same X-Webhook-Id) once', async () => {
    const raw = sourceFixtureText('pagerduty', 'triggered.json');
    const headers = { 'x-pagerduty-signature': `v1=${hmac(PD_SECRET, raw)}`, 'x-webhook-id': 'b2f1a4c6-5d3e-4f7a-9c1b-0e8d7f6a5b4c' };
    for (let i = 0; i < 3; i++) {
      const res = await b.post('/webhooks/pagerduty', null, { raw, auth: null, headers });
      expect(res.status).toBe(202);
    }
    const ch = await h.channel(/invoice-generation-failing/);
    await h.alerts(ch.id, (t) => t.includes('1 notification'), 'alerts message');
    await h.settled();

    expect(h.channelsNamed(/invoice-generation-failing/)).toHaveLength(1);
    expect(b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).includes('invoice-generation'))).toHaveLength(1);
    const alerts = h.alertsText(ch.id);
    expect(alerts).toContain('1 firing, 0 resolved · 1 distinct · 1 notification');
    expect(alerts).not.toContain('×');

    const id = await h.incidentId(ch.id);
    expect(id).toBeTruthy();
    const records = await b.redis.hvals(keysOf(b).incidentAlerts(id!));
    expect(records.map((r) => (JSON.parse(r) as { count: number }).count)).toEqual([1]);
    const timeline = await h.timeline(id!);
    expect(timeline.filter((e) => e.kind === 'alert.firing')).toHaveLength(1);
    // (The default runbook's automated check adds its own `check.result`; alerts are what count here.)
    expect(timeline.map((e) => e.kind).filter((k) => k.startsWith('alert') || k.startsWith('incident'))).toEqual(['incident.opened', 'alert.firing']);
  });
});

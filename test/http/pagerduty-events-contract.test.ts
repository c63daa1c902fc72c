import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/incidents/store.js';
import { WEBHOOK_TOKEN, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, sourceFixture } from '../support/builders.js';
import { RETRY_WINDOW_MS } from '../../src/http/pagerduty-events.js';
import { doc, opened } from '../e2e/lifecycle-helpers.js';

/**
 * Issue 11, "Contracts": Beacon's PagerDuty Events API v2 answers as PagerDuty's does, field by
 * field, and drives incidents as PagerDuty's dedup_key drives alerts. Over real HTTP against
 * `startBeacon` (web and worker in this process, the Slack simulator, the test Redis).
 */

// 32 characters, as PagerDuty's integration keys are; the first names its service.
const CHECKOUT_KEY = 'R0checkoutc0ffee00000000000000a1';
const PLAIN_KEY = 'R0plainplainplain000000000000b2b';
const WRONG_KEY = 'R0wrongwrongwrong000000000000c3c';

const ENQUEUE = '/pagerduty/v2/enqueue';
const CHANGE = '/pagerduty/v2/change/enqueue';

const fixture = (name: string) => sourceFixture<Record<string, unknown> & { payload: Record<string, unknown> }>('pagerduty-events', name);

function trigger(summary: string, over: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) {
  return {
    routing_key: CHECKOUT_KEY,
    event_action: 'trigger',
    payload: { summary, source: 'checkout-api-7', severity: 'critical', component: 'payments', custom_details: { error_rate: '38%' }, ...payload },
    links: [{ href: 'https://grafana.example.com/d/checkout', text: 'Checkout dashboard' }],
    ...over,
  };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const INVALID = { status: 'invalid event', message: 'Event object is invalid' };

describe('PagerDuty Events API v2 contract', () => {
  let b: TestBeacon;
  const post = (path: string, body: unknown, raw?: string) => b.post(path, body, { auth: null, ...(raw !== undefined ? { raw } : {}) });

  /** Every alert and change job ever added to the intake queue (kept ten minutes after completion). */
  async function intakeAdded(): Promise<number> {
    let n = 0;
    for (const match of [`${keysOf(b).queuePrefix}:intake:al-*`, `${keysOf(b).queuePrefix}:intake:ch-*`]) {
      let cursor = '0';
      do {
        const [next, found] = await b.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        n += found.filter((k) => !k.endsWith(':logs') && !k.endsWith(':lock')).length;
      } while (cursor !== '0');
    }
    return n;
  }
  const channelsNamed = (s: string) => b.sim.channels().filter((c) => c.name.endsWith(slug(s)));
  const creates = (s: string) => b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).endsWith(slug(s)));
  const alertsOf = async (incidentId: string) => (await b.redis.hvals(keysOf(b).incidentAlerts(incidentId))).map((s) => JSON.parse(s) as AlertRecord);
  async function outcomes(counter: 'alertsReceived' | 'changesReceived', source: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await b.metrics[counter].get()).values) if (v.labels.source === source) out[String(v.labels.outcome)] = v.value;
    return out;
  }

  beforeAll(async () => {
    b = await startBeacon({ env: { PAGERDUTY_ROUTING_KEYS: `${CHECKOUT_KEY}=checkout,${PLAIN_KEY}` } });
  });
  afterAll(async () => {
    await b?.close();
  });

  describe('answers', () => {
    it('202 with exactly PagerDuty’s success body, for each event_action', async () => {
      for (const event_action of ['trigger', 'acknowledge', 'resolve']) {
        const res = await post(ENQUEUE, { ...trigger('Contract: every action'), event_action, dedup_key: 'contract/every-action' });
        expect(res.status, res.text).toBe(202);
        expect(res.body).toStrictEqual({ status: 'success', message: 'Event processed', dedup_key: 'contract/every-action' });
      }
      const res = await fetch(`${b.url}${ENQUEUE}`, { method: 'POST', body: JSON.stringify(fixture('acknowledge.json')) });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it("PagerDuty's own examples are taken as they are printed (routing key swapped for an accepted one)", async () => {
      for (const name of ['trigger.json', 'trigger-disk.json', 'acknowledge.json', 'resolve.json', 'alertmanager-trigger.json']) {
        const body: Record<string, unknown> = { ...fixture(name), routing_key: PLAIN_KEY };
        const res = await post(ENQUEUE, body);
        expect(res.status, `${name}: ${res.text}`).toBe(202);
        expect(res.body.dedup_key).toBe(body.dedup_key);
      }
      const change = await post(CHANGE, { ...fixture('change.json'), routing_key: PLAIN_KEY });
      expect(change.status).toBe(202);
      expect(change.body).toStrictEqual({ status: 'success', message: 'Change event processed' });
    });

    it('400 "invalid event" naming each problem, and nothing queued', async () => {
      const before = await intakeAdded();
      const cases: [unknown, string[]][] = [
        [{ event_action: 'trigger', payload: { summary: 'x', source: 'y', severity: 'info' } }, ["'routing_key' cannot be blank"]],
        [{}, ["'routing_key' cannot be blank", "'event_action' is missing or blank"]],
        [trigger('x', { event_action: 'escalate' }), ["'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"]],
        [trigger('x', {}, { summary: undefined }), ["'payload.summary' is missing or blank"]],
        [trigger('x'.repeat(1025)), ["'summary' is too long (maiximum is 1024 characters)"]],
        [trigger('x', {}, { severity: 'sev1' }), ["'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"]],
        [
          { routing_key: CHECKOUT_KEY, event_action: 'trigger' },
          ["'payload.summary' is missing or blank", "'payload.source' is missing or blank", "'payload.severity' is missing or blank"],
        ],
        [{ routing_key: CHECKOUT_KEY, event_action: 'resolve' }, ["'dedup_key' is missing or blank"]],
        [trigger('x', { dedup_key: 'd'.repeat(256) }), ["'dedup_key' is too long (maiximum is 255 characters)"]],
      ];
      for (const [body, errors] of cases) {
        const res = await post(ENQUEUE, body);
        expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
        expect(res.body).toStrictEqual({ ...INVALID, errors });
      }
      const change = await post(CHANGE, { routing_key: CHECKOUT_KEY, payload: {} });
      expect(change.status).toBe(400);
      expect(change.body).toStrictEqual({ ...INVALID, errors: ["'payload.summary' is missing or blank"] });
      expect(await intakeAdded()).toBe(before);
      expect((await outcomes('alertsReceived', 'pagerduty-events')).rejected).toBeGreaterThanOrEqual(cases.length);
      expect((await outcomes('changesReceived', 'pagerduty-change')).rejected).toBeGreaterThanOrEqual(1);
    });

    it('a body that is not a JSON object: PagerDuty’s "Unrecognized object"', async () => {
      for (const raw of ['{"routing_key":', 'not json', '', '[]', '"trigger"', 'null']) {
        for (const path of [ENQUEUE, CHANGE]) {
          const res = await post(path, undefined, raw);
          expect(res.status, raw).toBe(400);
          expect(res.body).toStrictEqual({ status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });
        }
      }
    });

    it('a routing key Beacon does not take: PagerDuty’s "Invalid routing key", whatever else the body says', async () => {
      const before = await intakeAdded();
      const refused = { alerts: (await outcomes('alertsReceived', 'pagerduty-events')).unauthorized ?? 0, changes: (await outcomes('changesReceived', 'pagerduty-change')).unauthorized ?? 0 };
      for (const body of [trigger('Contract: wrong key', { routing_key: WRONG_KEY }), { routing_key: WRONG_KEY }, { routing_key: `${CHECKOUT_KEY} ` }]) {
        const res = await post(ENQUEUE, body);
        expect(res.status).toBe(400);
        expect(res.body).toStrictEqual({ ...INVALID, errors: ['Invalid routing key'] });
      }
      const change = await post(CHANGE, { routing_key: WRONG_KEY, payload: { summary: 'Deploy checkout' } });
      expect(change.body).toStrictEqual({ ...INVALID, errors: ['Invalid routing key'] });
      expect(await intakeAdded()).toBe(before);
      expect((await outcomes('alertsReceived', 'pagerduty-events')).unauthorized).toBe(refused.alerts + 3);
      expect((await outcomes('changesReceived', 'pagerduty-change')).unauthorized).toBe(refused.changes + 1);
    });
  });

  describe('incidents', () => {
    it('a trigger without dedup_key is answered with the key Beacon made; a resolve with that key resolves the alert', async () => {
      const title = 'Contract checkout payments failing';
      const res = await post(ENQUEUE, trigger(title));
      expect(res.status).toBe(202);
      const dedupKey = res.body.dedup_key as string;
      expect(dedupKey).toMatch(/^[0-9a-f]{32}$/);

      const o = await opened(b, new RegExp(`${slug(title)}$`));
      const inc = await doc(b, o.incidentId);
      expect(inc).toMatchObject({ title, severity: 'sev1', service: 'checkout', status: 'triggered', group: `pagerduty-events:service:checkout:${dedupKey}` });
      expect(inc.links).toEqual([{ label: 'Checkout dashboard', url: 'https://grafana.example.com/d/checkout' }]);
      expect(inc.labels).toMatchObject({ source: 'checkout-api-7', component: 'payments', dedup_key: dedupKey });
      const card = JSON.stringify(b.sim.messages(o.channelId).find((m) => m.ts === o.cardTs)?.blocks);
      expect(card).toContain('Source: checkout-api-7 · Component: payments');
      expect(card).toContain('error_rate: 38%');
      expect(card).toContain('https://grafana.example.com/d/checkout');
      await waitFor(() => b.sim.transcript(o.channelId).includes('1 firing, 0 resolved'), { what: 'alerts message: 1 firing' });

      const resolved = await post(ENQUEUE, { routing_key: CHECKOUT_KEY, event_action: 'resolve', dedup_key: dedupKey });
      expect(resolved.body).toStrictEqual({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
      await waitFor(() => b.sim.transcript(o.channelId).includes('0 firing, 1 resolved'), { what: 'alerts message: 0 firing, 1 resolved' });
      const [record] = await alertsOf(o.incidentId);
      expect(record).toMatchObject({ fingerprint: dedupKey, status: 'resolved', title });
      expect(b.sim.transcript(o.channelId)).toContain('Every alert of this incident has resolved');
    });

    it('acknowledge acknowledges the incident', async () => {
      const title = 'Contract ledger lagging';
      await post(ENQUEUE, trigger(title, { dedup_key: 'ledger/lag' }, { severity: 'warning' }));
      const o = await opened(b, new RegExp(`${slug(title)}$`));
      expect((await doc(b, o.incidentId)).status).toBe('triggered');
      const res = await post(ENQUEUE, { routing_key: CHECKOUT_KEY, event_action: 'acknowledge', dedup_key: 'ledger/lag' });
      expect(res.status).toBe(202);
      await waitFor(async () => (await doc(b, o.incidentId)).status === 'acknowledged', { what: 'incident acknowledged' });
      expect((await doc(b, o.incidentId)).acknowledgedAt).toBeDefined();
      await waitFor(() => JSON.stringify(b.sim.messages(o.channelId).find((m) => m.ts === o.cardTs)?.blocks).includes('Acknowledged'), { what: 'card says acknowledged' });
      const [record] = await alertsOf(o.incidentId);
      expect(record).toMatchObject({ status: 'acknowledged', title });
    });

    it('the same trigger sent twice, and a repeat of its dedup_key, make one incident', async () => {
      const title = 'Contract search timeouts';
      const body = trigger(title);
      const [first, second] = [await post(ENQUEUE, body), await post(ENQUEUE, body)];
      expect(second.body.dedup_key).toBe(first.body.dedup_key);
      const o = await opened(b, new RegExp(`${slug(title)}$`));
      // A later trigger of the same dedup_key (another body: a new timestamp) joins the alert.
      await post(ENQUEUE, trigger(title, { dedup_key: first.body.dedup_key }, { timestamp: new Date().toISOString() }));
      await waitFor(async () => (await alertsOf(o.incidentId))[0]?.count === 2, { what: 'the repeat counted' });
      await sleep(500);
      expect(channelsNamed(title)).toHaveLength(1);
      expect(creates(title)).toHaveLength(1);
      expect(await alertsOf(o.incidentId)).toHaveLength(1);
    });

    it('a retry within seconds counts once; the same body after its resolve fires the alert again', async () => {
      const title = 'Contract flapping queue depth';
      const body = trigger(title, { dedup_key: 'queue/depth' });
      // Both in one retry window: not so near its end that the two straddle two windows.
      const left = RETRY_WINDOW_MS - (Date.now() % RETRY_WINDOW_MS);
      if (left < 2000) await sleep(left + 20);
      await post(ENQUEUE, body);
      await post(ENQUEUE, body);
      const o = await opened(b, new RegExp(`${slug(title)}$`));
      await waitFor(() => b.sim.transcript(o.channelId).includes('1 firing, 0 resolved'), { what: '1 firing' });
      await post(ENQUEUE, { routing_key: CHECKOUT_KEY, event_action: 'resolve', dedup_key: 'queue/depth' });
      await waitFor(() => b.sim.transcript(o.channelId).includes('0 firing, 1 resolved'), { what: 'resolved' });
      expect((await alertsOf(o.incidentId))[0]?.count).toBe(2); // the trigger once, the resolve
      await sleep(RETRY_WINDOW_MS - (Date.now() % RETRY_WINDOW_MS) + 20); // the next window
      await post(ENQUEUE, body);
      await waitFor(async () => (await alertsOf(o.incidentId))[0]?.status === 'firing', { what: 'firing again' });
      expect(channelsNamed(title)).toHaveLength(1);
    });

    it('an acknowledge or resolve of a dedup_key with no incident is answered as PagerDuty does and changes nothing', async () => {
      const channels = b.sim.channels().length;
      for (const event_action of ['acknowledge', 'resolve']) {
        const res = await post(ENQUEUE, { routing_key: CHECKOUT_KEY, event_action, dedup_key: 'never/triggered' });
        expect(res.body).toStrictEqual({ status: 'success', message: 'Event processed', dedup_key: 'never/triggered' });
      }
      const seen = () => b.logs().split('\n').filter((l) => l.includes('alert for a group with no open incident') && l.includes('never/triggered'));
      await waitFor(() => seen().length === 2, { what: 'the worker saw both' });
      expect(b.sim.channels()).toHaveLength(channels);
    });

    it('an unknown routing key opens nothing', async () => {
      const title = 'Contract wrong key alert';
      await post(ENQUEUE, trigger(title, { routing_key: WRONG_KEY }));
      await sleep(1000);
      expect(channelsNamed(title)).toHaveLength(0);
      expect(creates(title)).toHaveLength(0);
    });

    it('a key without a service: the group is of a hash of the key, the service the event’s source', async () => {
      const title = 'Contract plain key alert';
      const res = await post(ENQUEUE, trigger(title, { routing_key: PLAIN_KEY }, { source: 'inventory-db-2' }));
      const o = await opened(b, new RegExp(`${slug(title)}$`));
      const inc = await doc(b, o.incidentId);
      expect(inc.service).toBe('inventory-db-2');
      expect(inc.group).toMatch(new RegExp(`^pagerduty-events:key:[0-9a-f]{16}:${res.body.dedup_key}$`));
    });

    it('a change event lands in "what changed" of an incident of its service opened after it', async () => {
      const summary = 'Rotate payment gateway API key (pipeline #812)';
      const change = await post(CHANGE, {
        routing_key: CHECKOUT_KEY,
        payload: { summary, source: 'ci-runner-3', timestamp: new Date(Date.now() - 8 * 60_000).toISOString(), custom_details: { author: 'deploy-bot', version: 'v812' } },
        links: [{ href: 'https://ci.example.com/812', text: 'Pipeline' }],
      });
      expect(change.status).toBe(202);
      await waitFor(async () => (await outcomes('changesReceived', 'pagerduty-change')).accepted, { what: 'change accepted' });
      await sleep(300); // the worker stores it

      const title = 'Contract checkout declines after change';
      await post(ENQUEUE, trigger(title));
      const o = await opened(b, new RegExp(`${slug(title)}$`));
      const changesTs = await waitFor(async () => (await doc(b, o.incidentId)).slack.messages.changes, { what: 'what changed message' });
      const msg = b.sim.messages(o.channelId).find((m) => m.ts === changesTs)!;
      const text = JSON.stringify(msg.blocks);
      expect(text).toContain('What changed before this started');
      expect(text).toContain(summary);
      expect(text).toContain('Credentials change 8 min before the incident');
      expect(text).toContain('by deploy-bot');
    });

    it('no routing key reaches Slack, a log line or Redis', async () => {
      const calls = JSON.stringify(b.sim.calls);
      const logs = b.logs();
      const keys = await b.redis.keys(`*${b.config.redis.prefix}*`);
      const values: string[] = [];
      for (const k of keys) {
        const type = await b.redis.type(k);
        if (type === 'string') values.push((await b.redis.get(k)) ?? '');
        else if (type === 'hash') values.push(JSON.stringify(await b.redis.hgetall(k)));
        else if (type === 'list') values.push(JSON.stringify(await b.redis.lrange(k, 0, -1)));
        else if (type === 'stream') values.push(JSON.stringify(await b.redis.xrange(k, '-', '+')));
      }
      const everything = [calls, logs, keys.join('\n'), ...values].join('\n');
      expect(everything).toContain('Contract checkout payments failing');
      for (const key of [CHECKOUT_KEY, PLAIN_KEY, WRONG_KEY]) expect(everything).not.toContain(key);
    });
  });
});

describe('PagerDuty Events API v2 without PAGERDUTY_ROUTING_KEYS', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('takes WEBHOOK_TOKEN as the one routing key (naming no service), and no other', async () => {
    const body = trigger('Contract token as key', { routing_key: WEBHOOK_TOKEN, dedup_key: 'token/key' });
    const res = await b.post(ENQUEUE, body, { auth: null });
    expect(res.body).toStrictEqual({ status: 'success', message: 'Event processed', dedup_key: 'token/key' });
    const [id] = await b.redis.lrange(`${keysOf(b).queuePrefix}:intake:wait`, 0, 0);
    const { alert } = JSON.parse((await b.redis.hget(`${keysOf(b).queuePrefix}:intake:${id}`, 'data'))!) as { alert: Record<string, unknown> };
    expect(alert).toMatchObject({ source: 'pagerduty-events', service: 'checkout-api-7', fingerprint: 'token/key', group: expect.stringMatching(/^pagerduty-events:key:[0-9a-f]{16}:token\/key$/) });
    expect(JSON.stringify(alert)).not.toContain(WEBHOOK_TOKEN);
    const refused = await b.post(ENQUEUE, { ...body, routing_key: CHECKOUT_KEY }, { auth: null });
    expect(refused.body.errors).toEqual(['Invalid routing key']);
  });
});

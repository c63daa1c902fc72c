import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/incidents/store.js';
import { doc, opened } from '../e2e/lifecycle-helpers.js';
import { WEBHOOK_TOKEN, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, sourceFixture, timelineEvents } from '../support/builders.js';

/**
 * Issue 11, "Contracts": Beacon's Opsgenie Alert API answers as Opsgenie's does
 * (https://docs.opsgenie.com/docs/alert-api, https://docs.opsgenie.com/docs/response), field by
 * field, and drives incidents: one per alias, acknowledge acknowledges, close resolves the alert.
 */

const KEY = 'og-integration-key-0001';
const OTHER_KEY = 'og-integration-key-0002';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROCESSABLE = 'Request body is not processable. Please check the errors.';

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

describe('Opsgenie Alert API contract', () => {
  let b: TestBeacon;

  beforeAll(async () => {
    b = await startBeacon({ env: { OPSGENIE_API_KEYS: `${KEY},${OTHER_KEY}` } });
  });
  afterAll(async () => {
    await b?.close();
  });

  async function og(method: 'POST' | 'PUT', path: string, body?: unknown, o: { key?: string | null; auth?: string; raw?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const auth = o.auth ?? (o.key === null ? undefined : `GenieKey ${o.key ?? KEY}`);
    if (auth) headers.authorization = auth;
    const res = await fetch(`${b.url}/opsgenie/v2/alerts${path}`, { method, headers, body: o.raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text), text, headers: res.headers };
  }

  async function outcomes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await b.metrics.alertsReceived.get()).values) if (v.labels.source === 'opsgenie') out[String(v.labels.outcome)] = v.value;
    return out;
  }

  const envelope = (a: Answer) => {
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof a.body.took).toBe('number');
    expect(a.body.took).toBeGreaterThanOrEqual(0);
    expect(a.body.requestId).toMatch(UUID);
    expect(a.headers.get('x-request-id')).toBe(a.body.requestId);
    // Opsgenie's other standard header: the response time in seconds, as `took` says.
    expect(a.headers.get('x-response-time')).toBe(String(a.body.took));
  };
  const expectAccepted = (a: Answer) => {
    expect(a.status, a.text).toBe(202);
    expect(Object.keys(a.body)).toEqual(['result', 'took', 'requestId']);
    expect(a.body.result).toBe('Request will be processed');
    envelope(a);
  };
  const expectUnprocessable = (a: Answer, errors: Record<string, string>) => {
    expect(a.status, a.text).toBe(422);
    expect(a.body).toStrictEqual({ message: PROCESSABLE, errors, took: expect.any(Number), requestId: expect.stringMatching(UUID) });
    envelope(a);
  };

  it('answers a create 202 {"result":"Request will be processed","took":<seconds>,"requestId":<uuid>}, field by field', async () => {
    const first = await og('POST', '', { message: 'Contract success body' });
    expectAccepted(first);
    const second = await og('POST', '', { message: 'Contract success body' }, { key: OTHER_KEY });
    expectAccepted(second);
    expect(second.body.requestId).not.toBe(first.body.requestId);
  });

  it('refuses a missing or wrong key with Opsgenie’s 401 body, and the webhook token with its 403, queuing nothing', async () => {
    const before = await outcomes();
    for (const auth of [undefined, `GenieKey not-a-key`, `GenieKey ${KEY}x`, `Bearer ${KEY}`, `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}`, 'GenieKey', `${KEY}`]) {
      const a = await og('POST', '', { message: 'Never opened' }, auth === undefined ? { key: null } : { auth });
      expect(a.status, `${auth}: ${a.text}`).toBe(401);
      expect(a.body).toStrictEqual({ message: 'Could not authenticate', took: expect.any(Number), requestId: expect.stringMatching(UUID) });
      envelope(a);
    }
    const token = await og('POST', '/some-alias/close?identifierType=alias', {}, { key: WEBHOOK_TOKEN });
    expect(token.status).toBe(403);
    expect(token.body).toStrictEqual({
      code: 40301,
      message: 'To perform this action, use an API key from an API integration.',
      took: expect.any(Number),
      requestId: expect.stringMatching(UUID),
    });
    const after = await outcomes();
    expect((after.unauthorized ?? 0) - (before.unauthorized ?? 0)).toBe(8);
    expect(after.accepted ?? 0).toBe(before.accepted ?? 0);
    expect(b.logs()).not.toContain(KEY);
  });

  it('answers 400 for a body that is not a JSON object', async () => {
    for (const raw of ['{"message":', 'message=x', '[]', '"x"', 'null', '42']) {
      const a = await og('POST', '', undefined, { raw });
      expect(a.status, raw).toBe(400);
      expect(a.body).toStrictEqual({ message: 'Invalid JSON body', took: expect.any(Number), requestId: expect.stringMatching(UUID) });
      envelope(a);
    }
  });

  it('answers 422 with Opsgenie’s body, naming each field it refuses', async () => {
    const over = (n: number) => 'x'.repeat(n + 1);
    const cases: [unknown, Record<string, string>][] = [
      [{}, { message: 'should not be empty' }],
      [{ alias: 'a' }, { message: 'should not be empty' }],
      [{ message: over(130) }, { message: 'should be at most 130 characters' }],
      [{ message: 'x', alias: over(512) }, { alias: 'should be at most 512 characters' }],
      [{ message: 'x', description: over(15_000) }, { description: 'should be at most 15000 characters' }],
      [{ message: 'x', priority: 'P0' }, { priority: 'should be one of [ P1, P2, P3, P4, P5 ]' }],
      [{ message: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, { tags: 'should contain at most 20 tags' }],
      [{ message: 'x', tags: [over(50)] }, { 'tags[0]': 'should be at most 50 characters' }],
      [{ message: 'x', details: { k: over(8000) } }, { details: 'should be at most 8000 characters in total' }],
      [{ message: 'x', responders: [{ type: 'team' }] }, { 'responders[0]': 'id or name should be provided' }],
      [
        { message: over(130), priority: 'high', description: over(15_000), entity: over(512) },
        { message: 'should be at most 130 characters', description: 'should be at most 15000 characters', priority: 'should be one of [ P1, P2, P3, P4, P5 ]' },
      ],
    ];
    const before = await outcomes();
    for (const [body, errors] of cases) expectUnprocessable(await og('POST', '', body), errors);
    expectUnprocessable(await og('POST', '/a/close?identifierType=name', {}), { identifierType: 'should be one of [ id, tiny, alias ]' });
    expectUnprocessable(await og('POST', '/a/notes?identifierType=alias', {}), { note: 'should not be empty' });
    expectUnprocessable(await og('PUT', '/a/message?identifierType=alias', { message: '' }), { message: 'should not be empty' });
    const after = await outcomes();
    expect((after.rejected ?? 0) - (before.rejected ?? 0)).toBe(cases.length + 3);
    expect(after.accepted ?? 0).toBe(before.accepted ?? 0);
  });

  it('answers a path with the other method 405, as Opsgenie does', async () => {
    const put = await og('PUT', '', { message: 'x' });
    expect(put.status).toBe(405);
    expect(put.body).toStrictEqual({ message: "Request method 'PUT' not supported", took: expect.any(Number), requestId: expect.stringMatching(UUID) });
    expect(put.headers.get('allow')).toBe('POST');
    expect((await og('POST', '/a/message?identifierType=alias', { message: 'x' })).body.message).toBe("Request method 'POST' not supported");
    expect((await og('PUT', '/a/close?identifierType=alias', {})).status).toBe(405);
  });

  const alerts = async (id: string): Promise<AlertRecord[]> => (await b.redis.hvals(keysOf(b).incidentAlerts(id))).map((s) => JSON.parse(s) as AlertRecord);

  it('opens one incident per alias, with priority, service, tags, details, entity and responders; the same create twice makes one', async () => {
    const create = {
      ...sourceFixture<Record<string, unknown>>('opsgenie', 'docs-create.json'),
      message: 'Checkout payments failing',
      alias: 'checkout-payments-failing',
      details: { service: 'checkout', region: 'eu-west-1' },
    };
    expectAccepted(await og('POST', '', create));
    const inc = await opened(b, /-checkout-payments-failing$/);
    expectAccepted(await og('POST', '', create));
    await waitFor(async () => (await alerts(inc.incidentId))[0]?.count === 2, { what: 'the repeat counted on the alert' });

    const d = await doc(b, inc.incidentId);
    expect(d).toMatchObject({ title: 'Checkout payments failing', severity: 'sev1', service: 'checkout', group: 'opsgenie:checkout-payments-failing' });
    expect(d.labels).toMatchObject({ region: 'eu-west-1', entity: 'An example entity', tags: 'OverwriteQuietHours,Critical', priority: 'P1' });
    const card = JSON.stringify(b.sim.messages(inc.channelId).find((m) => m.ts === inc.cardTs)?.blocks);
    for (const shown of ['SEV1 · critical', '*Service*\\ncheckout', 'Entity: An example entity', 'Tags: OverwriteQuietHours, Critical', 'team NOC', 'Details: service=checkout, region=eu-west-1', 'Every alert needs a description'])
      expect(card).toContain(shown);
    await sleep(500);
    expect(b.sim.channels().filter((c) => c.name.endsWith('-checkout-payments-failing'))).toHaveLength(1);
    expect(b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).endsWith('-checkout-payments-failing'))).toHaveLength(1);
  });

  it('acknowledge by alias acknowledges the incident; close by alias resolves its alert', async () => {
    expectAccepted(await og('POST', '', { message: 'Ledger sync stalled', alias: 'ledger-sync', priority: 'P2', entity: 'ledger' }));
    const inc = await opened(b, /-ledger-sync-stalled$/);
    const ack = await og('POST', '/ledger-sync/acknowledge?identifierType=alias', sourceFixture('opsgenie', 'docs-acknowledge.json'));
    expectAccepted(ack);
    await waitFor(async () => (await doc(b, inc.incidentId)).status === 'acknowledged', { what: 'incident acknowledged' });
    const events = await timelineEvents<{ kind: string; actor: string }>(b.redis, keysOf(b), inc.incidentId);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'acknowledged', actor: 'opsgenie' }));

    expectAccepted(await og('POST', '/ledger-sync/close?identifierType=alias', sourceFixture('opsgenie', 'alertmanager-close.json')));
    await waitFor(async () => (await alerts(inc.incidentId))[0]?.status === 'resolved', { what: 'alert resolved' });
    expect((await alerts(inc.incidentId))[0]).toMatchObject({ title: 'Ledger sync stalled', status: 'resolved' });
    await waitFor(() => b.sim.transcript(inc.channelId).includes('Every alert of this incident has resolved'), { what: 'alerts message: all resolved' });
  });

  it('answers close and acknowledge of an alias Beacon does not know 202, and nothing changes', async () => {
    const channels = b.sim.channels().length;
    const before = await outcomes();
    expectAccepted(await og('POST', '/never-seen-alias/close?identifierType=alias', {}));
    expectAccepted(await og('POST', `/${encodeURIComponent('never seen/either')}/acknowledge?identifierType=alias`, undefined, { raw: '' }));
    await waitFor(() => b.logs().split('\n').filter((l) => l.includes('opsgenie:never') && l.includes('nothing to do')).length === 2, { what: 'the worker dropping both' });
    expect(b.sim.channels()).toHaveLength(channels);
    expect((await outcomes()).accepted).toBe((before.accepted ?? 0) + 2);
  });

  it('takes the default identifier type (id) like an unknown id: answered, nothing changes', async () => {
    expectAccepted(await og('POST', '', { message: 'Search latency high', alias: 'search-latency' }));
    const inc = await opened(b, /-search-latency-high$/);
    const before = await outcomes();
    expectAccepted(await og('POST', '/search-latency/close', {}));
    expectAccepted(await og('POST', '/search-latency/acknowledge?identifierType=id', {}));
    expectAccepted(await og('POST', '/4711/close?identifierType=tiny', {}));
    const after = await outcomes();
    expect(after.accepted).toBe(before.accepted);
    expect((after.ignored ?? 0) - (before.ignored ?? 0)).toBe(3);
    await sleep(300);
    expect(await doc(b, inc.incidentId)).toMatchObject({ status: 'triggered' });
    expect((await alerts(inc.incidentId))[0]?.status).toBe('firing');
  });

  it('answers the update calls senders make 202 and changes nothing', async () => {
    const alias = sourceFixture<{ alias: string }>('opsgenie', 'alertmanager-create.json').alias;
    const before = await outcomes();
    for (const [method, action, fixture] of [
      ['PUT', 'message', 'alertmanager-update-message.json'],
      ['PUT', 'description', 'alertmanager-update-description.json'],
      ['PUT', 'message', 'docs-update-message.json'],
      ['PUT', 'description', 'docs-update-description.json'],
      ['POST', 'notes', 'docs-note.json'],
    ] as const) {
      expectAccepted(await og(method, `/${alias}/${action}?identifierType=alias`, sourceFixture('opsgenie', fixture)));
    }
    expectAccepted(await og('PUT', `/${alias}/description?identifierType=alias`, {}));
    const after = await outcomes();
    expect(after.accepted).toBe(before.accepted);
    expect((after.ignored ?? 0) - (before.ignored ?? 0)).toBe(6);
  });
});

describe('Opsgenie Alert API without OPSGENIE_API_KEYS: WEBHOOK_TOKEN is the GenieKey', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false });
  });
  afterAll(async () => {
    await b?.close();
  });

  const og = async (auth: string, body: unknown) => {
    const res = await fetch(`${b.url}/opsgenie/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
  const waiting = () => b.redis.llen(`${keysOf(b).queuePrefix}:intake:wait`);

  it('takes GenieKey <WEBHOOK_TOKEN>, and refuses any other key with Opsgenie’s 401 body', async () => {
    expect(b.config.senders.opsgenieApiKeys).toEqual([WEBHOOK_TOKEN]);
    const before = await waiting();
    const ok = await og(`GenieKey ${WEBHOOK_TOKEN}`, { message: 'Taken with the webhook token' });
    expect(ok.status).toBe(202);
    expect(ok.body).toStrictEqual({ result: 'Request will be processed', took: expect.any(Number), requestId: expect.stringMatching(UUID) });
    expect(await waiting()).toBe(before + 1);
    for (const auth of ['GenieKey og-integration-key-0001', `GenieKey ${WEBHOOK_TOKEN}x`, `Bearer ${WEBHOOK_TOKEN}`]) {
      const refused = await og(auth, { message: 'Never taken' });
      expect(refused.status, auth).toBe(401);
      expect(refused.body).toStrictEqual({ message: 'Could not authenticate', took: expect.any(Number), requestId: expect.stringMatching(UUID) });
      expect(refused.headers.get('x-request-id')).toBe(refused.body.requestId);
    }
    expect(await waiting()).toBe(before + 1);
    expect(b.logs()).not.toContain(WEBHOOK_TOKEN);
  });
});

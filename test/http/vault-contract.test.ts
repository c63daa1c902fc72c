import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_TOKEN, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf, sourceFixture } from '../support/builders.js';
import { opened } from '../e2e/lifecycle-helpers.js';

/**
 * Issue 11, "done when" 3 for Vault: a rotation written to Vault's audit log and shipped as
 * NDJSON to `POST /webhooks/vault` is in "what changed" of an incident of that service opened
 * after it, and in the postmortem's candidate causes; no value from the entries' `data`, no
 * HMACed field and no error text reaches Slack, a log line or Redis.
 */

type Json = Record<string, any>;
const fixture = (name: string): Json => sourceFixture<Json>('vault', name);

const MARKERS = ['VAULTDATAMARKER', 'hmac-sha256', 'invalid request', 'permission denied'];
const ROTATION = 'Vault: secret/data/payment-gateway updated by approle';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const ndjson = (...entries: unknown[]) => entries.map((e) => JSON.stringify(e)).join('\n') + '\n';

/** The documented KV v2 write, made recently by an AppRole login, and its request entry. */
function rotation(requestId: string): { request: Json; response: Json } {
  const response: Json = { ...fixture('kv-put.response.json'), time: minutesAgo(12) };
  response.auth = { ...response.auth, display_name: 'approle' };
  response.request = { ...response.request, id: requestId };
  const request: Json = { ...response, type: 'request' };
  delete request.response;
  return { request, response };
}

/** Every value stored under this Beacon's prefixes, as text. */
async function redisDump(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') out.push(String(await redis.get(key)));
        else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'set') out.push(JSON.stringify(await redis.smembers(key)));
        else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        out.push(key);
      }
    } while (cursor !== '0');
  }
  return out.join('\n');
}

/** Every `text` string in a message's blocks. */
function blockText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) k === 'text' && typeof v === 'string' ? out.push(v) : walk(v);
  };
  walk(blocks);
  return out.join('\n');
}

describe('POST /webhooks/vault', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ env: { VAULT_SECRET_SERVICES: 'secret/data/payment-gateway=checkout,secret/=platform' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  const post = (raw: string, auth: string | null = `Bearer ${WEBHOOK_TOKEN}`) => b.post('/webhooks/vault', null, { raw, auth, headers: { 'content-type': 'application/x-ndjson' } });
  const checkoutChanges = () => b.redis.zcard(keysOf(b).changes('checkout'));

  it('a rotation shipped as NDJSON is in "what changed" of a later incident and in the postmortem', async () => {
    const { request, response } = rotation('b3c1a0de-5f0e-4c77-9d52-000000000001');
    const body = ndjson(request, response, { ...fixture('kv-read.response.json'), time: minutesAgo(11) }, fixture('permission-denied.response.json'));
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, ignored: 3, rejected: 0 });

    // The same entries again (a shipper's retry) and the same request id in another body: one change.
    expect((await post(body)).body).toEqual({ accepted: 1, ignored: 3, rejected: 0 });
    expect((await post(ndjson(response))).body).toEqual({ accepted: 1, ignored: 0, rejected: 0 });
    await waitFor(async () => (await checkoutChanges()) === 1, { what: 'the rotation recorded' });

    expect((await b.post('/webhooks/generic', checkoutAlert())).status).toBe(202);
    const o = await opened(b, /checkout-successful-payment-transactions/);
    const changes = await waitFor(() => b.sim.messages(o.channelId).find((m) => blockText(m.blocks).includes('What changed before this started')), { what: '"what changed"', timeout: 30_000 });
    const shown = blockText(changes.blocks);
    expect(shown).toContain(ROTATION);
    expect(shown).toMatch(/Credentials/i);
    expect(shown.split(ROTATION)).toHaveLength(2);
    // Who wrote it is said once: the summary names approle, no "· by approle" after it.
    expect(shown.match(/approle/g)).toHaveLength(1);
    expect(shown).toMatch(new RegExp(`${ROTATION.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} · at `));

    const pm = await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } });
    expect(pm.status).toBe(200);
    const md = await pm.text();
    const candidates = md.split('\n').filter((l) => l.includes(ROTATION));
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.join('\n')).toMatch(/\(credentials\)/);
    for (const line of candidates) expect(line.match(/approle/g), line).toHaveLength(1);
    expect(md).toMatch(/candidates to rule in or out/);
    expect(await checkoutChanges()).toBe(1);
  });

  it('401 without credentials or with a wrong token; Basic with the token as password works', async () => {
    const body = ndjson(rotation('b3c1a0de-5f0e-4c77-9d52-000000000002').response);
    const none = await post(body, null);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'missing credentials: send Authorization: Bearer <WEBHOOK_TOKEN>' });
    const wrong = await post(body, 'Bearer not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid credentials' });
    const basic = await post(ndjson(rotation('b3c1a0de-5f0e-4c77-9d52-000000000003').response), `Basic ${Buffer.from(`vector:${WEBHOOK_TOKEN}`).toString('base64')}`);
    expect(basic.status).toBe(202);
    expect(basic.body.accepted).toBe(1);
  });

  it('a broken line is named and skipped, the rest taken; a body with no Vault entry is a 400', async () => {
    const good = rotation('b3c1a0de-5f0e-4c77-9d52-000000000004').response;
    good.request = { ...good.request, path: 'secret/data/ledger' };
    const mixed = await post(`{"time": "2026-03-04T10:00:00Z", "type": "resp\n${JSON.stringify(good)}\nnot json at all\n`);
    expect(mixed.status).toBe(202);
    expect(mixed.body).toEqual({ accepted: 1, ignored: 0, rejected: 2, errors: [{ line: 1, message: 'not valid JSON' }, { line: 3, message: 'not valid JSON' }] });
    await waitFor(async () => (await b.redis.zcard(keysOf(b).changes('platform'))) === 1, { what: 'the ledger change of platform' });

    for (const raw of ['', 'not json', '{"a":1}', '[]', '[1,2]', '"x"']) {
      const res = await post(raw);
      expect(res.status, raw).toBe(400);
      expect(typeof res.body.error).toBe('string');
    }
    expect((await b.post('/webhooks/vault', null, { raw: '{}', headers: {}, auth: `Bearer ${WEBHOOK_TOKEN}` })).status).toBe(400);
  });

  it('counts by outcome in /metrics, source vault', async () => {
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    for (const outcome of ['accepted', 'ignored', 'rejected', 'unauthorized']) {
      expect(metrics).toMatch(new RegExp(`beacon_changes_received_total\\{source="vault",outcome="${outcome}"\\} [1-9]`));
    }
    expect(metrics).toMatch(/beacon_webhook_duration_seconds_count\{route="vault",status="202"\} [1-9]/);
  });

  it('no data value, HMACed field or error text in any Slack call, log line or Redis value', async () => {
    // Every documented fixture once more, so all of their markers went through.
    const all = ['kv-put.response.json', 'kv-read.response.json', 'kv-list.response.json', 'kv-delete.request.json', 'kv-destroy.response.json', 'userpass-login-failed.request.json', 'userpass-login-failed.response.json', 'permission-denied.response.json'];
    const res = await post(ndjson(...all.map((f) => ({ ...fixture(f), time: minutesAgo(3) }))));
    expect(res.status).toBe(202);
    // kv-put and kv-destroy are one documented request id: one change.
    expect(res.body).toEqual({ accepted: 1, ignored: 7, rejected: 0 });
    await waitFor(async () => (await checkoutChanges()) === 3, { what: 'all changes recorded' });
    const slack = JSON.stringify(b.sim.calls);
    const logs = b.logs();
    const redis = await redisDump(b.redis, b.config.redis.prefix);
    expect(slack).toContain('payment-gateway');
    expect(redis).toContain(ROTATION);
    for (const m of MARKERS) {
      expect(slack, `Slack call holds ${m}`).not.toContain(m);
      expect(logs, `log holds ${m}`).not.toContain(m);
      expect(redis, `Redis holds ${m}`).not.toContain(m);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisHandle } from '../../src/dev/local-redis.js';
import { WEBHOOK_TOKEN, checkoutAlert, startBeacon, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/** Issue #2, "done when" 2: 401 / 400 naming the field / 413 / 503, and nothing queued for them. */
describe('webhook answers', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false });
  });
  afterAll(async () => {
    await b?.close();
  });
  const queued = () => b.redis.llen(`${keysOf(b).queuePrefix}:intake:wait`);

  it('401 without or with wrong credentials', async () => {
    expect((await b.post('/webhooks/generic', checkoutAlert(), { auth: null })).status).toBe(401);
    expect((await b.post('/webhooks/generic', checkoutAlert(), { auth: 'Bearer nope' })).status).toBe(401);
    const basicWrong = Buffer.from('user:nope').toString('base64');
    expect((await b.post('/webhooks/generic', checkoutAlert(), { auth: `Basic ${basicWrong}` })).status).toBe(401);
    expect(await queued()).toBe(0);
  });

  it('accepts Basic auth with the token as password', async () => {
    const basic = Buffer.from(`anyone:${WEBHOOK_TOKEN}`).toString('base64');
    const res = await b.post('/webhooks/generic', checkoutAlert({ fingerprint: 'basic' }), { auth: `Basic ${basic}` });
    expect(res.status).toBe(202);
    expect(await queued()).toBe(1);
  });

  it('400 naming each bad field', async () => {
    const res = await b.post('/webhooks/generic', { title: '', severity: 'apocalyptic', link: 'javascript:alert(1)' });
    expect(res.status).toBe(400);
    const fields = (res.body.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['link', 'severity', 'title']);
    const list = await b.post('/webhooks/generic', { alerts: [checkoutAlert(), { ...checkoutAlert(), startsAt: 'yesterday' }] });
    expect(list.status).toBe(400);
    expect(list.body.fields).toEqual([expect.objectContaining({ field: 'alerts.1.startsAt' })]);
    const notJson = await b.post('/webhooks/generic', null, { raw: '{"title": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/JSON/);
    expect(await queued()).toBe(1); // only the Basic-auth one above
  });

  it('413 for a body over 1 MiB, declared or streamed', async () => {
    const big = JSON.stringify({ ...checkoutAlert(), description: 'x'.repeat(1024 * 1024) });
    const res = await b.post('/webhooks/generic', null, { raw: big });
    expect(res.status).toBe(413);
    // Chunked, without Content-Length: cut off while reading.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
        c.close();
      },
    });
    const chunked = await fetch(`${b.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit).catch((e: Error) => e);
    if (!(chunked instanceof Error)) expect(chunked.status).toBe(413);
    expect(await queued()).toBe(1);
  });

  it('413 reaches a sender still writing a large body, instead of a connection reset', async () => {
    const { request } = await import('node:http');
    // A slow sender: 3 MiB declared, written in 64 KiB pieces, still writing when Beacon answers.
    const piece = Buffer.alloc(64 * 1024, 'a');
    const pieces = 48;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${b.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json', 'content-length': piece.length * pieces },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      let n = 0;
      const next = () => {
        if (n++ < pieces - 1) req.write(piece, () => setTimeout(next, 5));
        else req.end(piece);
      };
      next();
    });
    expect(status).toBe(413);
  });
});

describe('webhook while Redis is unreachable', () => {
  let redis: RedisHandle;
  let b: TestBeacon;
  beforeAll(async () => {
    redis = await startRedisServer();
    b = await startBeacon({ worker: false, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await b?.web.close();
    await b?.sim.stop();
    b?.redis.disconnect();
    await redis?.stop();
  });

  it('answers 503 within 5 s, never 202; readyz says 503, healthz 200', async () => {
    expect((await b.post('/webhooks/generic', checkoutAlert())).status).toBe(202);
    await redis.kill('SIGKILL');
    const started = Date.now();
    const res = await b.post('/webhooks/generic', checkoutAlert({ fingerprint: 'during-outage' }));
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
  });
});

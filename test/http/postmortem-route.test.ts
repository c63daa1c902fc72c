import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_TOKEN, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/** Issue #6: `GET /incidents/<id>/postmortem.md` with webhook credentials. */
describe('GET /incidents/<id>/postmortem.md', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('answers 401 without credentials, 404 for an unknown incident, and the Markdown draft', async () => {
    await b.post('/webhooks/generic', checkoutAlert());
    const ch = await waitFor(() => b.sim.channels().find((c) => c.name.includes('checkout')));
    const id = await waitFor(() => b.redis.get(keysOf(b).channel(ch.id)));
    const get = (path: string, auth?: string) => fetch(`${b.url}${path}`, { headers: auth ? { authorization: auth } : {} });
    expect((await get(`/incidents/${id}/postmortem.md`)).status).toBe(401);
    expect((await get(`/incidents/${id}/postmortem.md`, 'Bearer wrong')).status).toBe(401);
    expect((await get('/incidents/nosuchincident/postmortem.md', `Bearer ${WEBHOOK_TOKEN}`)).status).toBe(404);
    const res = await get(`/incidents/${id}/postmortem.md`, `Bearer ${WEBHOOK_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/markdown/);
    const md = await res.text();
    for (const h of ['## Issue Summary', '## Timeline', '## Root Cause and Resolution', '## Corrective and Preventative Measures', '## Task List']) {
      expect(md).toContain(h);
    }
    expect(md).toContain('Checkout: successful payment transactions dropped 60%');
  });
});

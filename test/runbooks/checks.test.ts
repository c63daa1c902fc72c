import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/domain.js';
import { orderChanges, relativeToStart, runCheck, runStepChecks, type CheckContext } from '../../src/runbooks/checks/index.js';
import { parseRunbook, type HttpCheck, type RecentChangesCheck } from '../../src/runbooks/format.js';

const SECRET = 'sk_live_51HcheckoutSECRETvalue9f8e7d';
const START = new Date('2024-06-03T08:30:00Z');
const NOW = new Date('2024-06-03T08:40:00Z');

let server: Server;
let base: string;
/** Headers of every request the server saw, by path. */
const seen: { path: string; method: string; authorization?: string; apiKey?: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/';
    seen.push({
      path,
      method: req.method ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(typeof req.headers['x-api-key'] === 'string' ? { apiKey: req.headers['x-api-key'] } : {}),
    });
    if (path.startsWith('/hang')) return; // never answers
    if (path.startsWith('/ok')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      // A body that echoes the credentials: it must never be read into the result.
      return res.end(JSON.stringify({ ok: true, you_sent: req.headers.authorization }));
    }
    if (path.startsWith('/unauth')) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'invalid api key', key: req.headers.authorization }));
    }
    if (path.startsWith('/down')) {
      res.writeHead(503);
      return res.end('unavailable');
    }
    if (path.startsWith('/redirect')) {
      // A server echoing the token in a redirect: the summary names it, scrubbed.
      res.writeHead(302, { location: `http://elsewhere.example/login?token=${encodeURIComponent(String(req.headers.authorization))}` });
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const noChanges: CheckContext['changes'] = { between: async () => [] };

function ctx(over: Partial<CheckContext> = {}): CheckContext {
  return { service: 'checkout', incidentStart: START, now: NOW, env: { GATEWAY_TOKEN: SECRET }, changes: noChanges, ...over };
}

function http(path: string, over: Partial<HttpCheck> = {}): HttpCheck {
  return {
    type: 'http',
    url: `${base}${path}`,
    method: 'GET',
    expect: [200],
    timeout_ms: 2000,
    headers: { Authorization: { env: 'GATEWAY_TOKEN', prefix: 'Bearer ' } },
    ...over,
  };
}

/** The secret appears nowhere in the result, in any form. */
function expectNoSecret(result: unknown) {
  const json = JSON.stringify(result);
  expect(json).not.toContain(SECRET);
  expect(json).not.toContain(encodeURIComponent(SECRET));
  expect(json).not.toContain(SECRET.slice(8, 28));
}

describe('http check', () => {
  it('passes on an expected status, reporting status and latency, and sends the header from the environment', async () => {
    const r = await runCheck(http('/ok'), ctx());
    expect(r.status).toBe('pass');
    expect(r.httpStatus).toBe(200);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.summary).toMatch(/^HTTP 200 in \d+ ms$/);
    expect(r.details?.join('\n')).toContain('Authorization from $GATEWAY_TOKEN');
    expect(seen.filter((s) => s.path === '/ok').at(-1)?.authorization).toBe(`Bearer ${SECRET}`);
    expectNoSecret(r);
  });

  it('says the credentials were rejected on 401, without the secret the server was sent', async () => {
    const r = await runCheck(http('/unauth'), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'credentials rejected (HTTP 401)', httpStatus: 401 });
    expect(seen.filter((s) => s.path === '/unauth').at(-1)?.authorization).toBe(`Bearer ${SECRET}`);
    expect(r.details?.join('\n')).toContain('$GATEWAY_TOKEN');
    expectNoSecret(r);
  });

  it('takes a 401 as a pass when the runbook expects it', async () => {
    const r = await runCheck(http('/unauth', { expect: [401] }), ctx());
    expect(r.status).toBe('pass');
  });

  it('says the integration is not answering on 5xx', async () => {
    const r = await runCheck(http('/down'), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'integration not answering (HTTP 503)', httpStatus: 503 });
    expectNoSecret(r);
  });

  it('times out a server that never answers', async () => {
    const started = Date.now();
    const r = await runCheck(http('/hang', { timeout_ms: 150 }), ctx());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ status: 'fail', summary: 'integration not answering (timed out after 150ms)' });
    expect(r.httpStatus).toBeUndefined();
    expectNoSecret(r);
  });

  it('reports other statuses as unexpected', async () => {
    const r = await runCheck(http('/missing'), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'unexpected HTTP 404', httpStatus: 404 });
  });

  it('does not follow a redirect (it would carry the credentials along) and scrubs a Location echoing them', async () => {
    const r = await runCheck(http('/redirect'), ctx());
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('unexpected HTTP 302');
    expect(r.summary).toContain('elsewhere.example');
    expectNoSecret(r);
  });

  it('is an error naming the variable when it is not set, and sends nothing', async () => {
    const before = seen.length;
    const r = await runCheck(http('/ok'), ctx({ env: {} }));
    expect(r.status).toBe('error');
    expect(r.summary).toContain('GATEWAY_TOKEN is not set');
    expect(r.summary).toContain('Authorization');
    expect(seen.length).toBe(before);
  });

  it('refuses a value with a line break without printing it', async () => {
    const r = await runCheck(http('/ok'), ctx({ env: { GATEWAY_TOKEN: `${SECRET}\r\nX-Injected: 1` } }));
    expect(r.status).toBe('error');
    expect(r.summary).toContain('GATEWAY_TOKEN');
    expectNoSecret(r);
  });

  it('sends custom headers and any method', async () => {
    const r = await runCheck(
      http('/ok', { method: 'HEAD', headers: { 'X-Api-Key': { env: 'GATEWAY_TOKEN' } } }),
      ctx(),
    );
    expect(r.status).toBe('pass');
    const last = seen.filter((s) => s.path === '/ok').at(-1);
    expect(last).toMatchObject({ method: 'HEAD', apiKey: SECRET });
    expectNoSecret(r);
  });

  it('scrubs the secret from an error thrown by fetch', async () => {
    const leaky: typeof fetch = async (_url, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      throw new TypeError(`request failed with header ${auth} and ${JSON.stringify({ auth })}`);
    };
    const r = await runCheck(http('/ok'), ctx({ fetch: leaky }));
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('integration not answering');
    expect(r.summary).toContain('[redacted]');
    expectNoSecret(r);
  });

  it('reports a refused connection as not answering', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runCheck(http('/', { url: `http://127.0.0.1:${port}/` }), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'integration not answering (connection refused)' });
  });
});

describe('recent_changes check', () => {
  const change = (over: Partial<ChangeEvent>): ChangeEvent => ({
    id: Math.random().toString(36).slice(2),
    service: 'checkout',
    kind: 'deploy',
    summary: 'deploy',
    at: '2024-06-03T08:00:00Z',
    ...over,
  });
  const recent: RecentChangesCheck = { type: 'recent_changes', hours: 6 };

  it('asks for the incident service from `hours` before the start until now', async () => {
    const calls: [string, Date, Date][] = [];
    const r = await runCheck(recent, ctx({ changes: { between: async (s, f, t) => (calls.push([s, f, t]), []) } }));
    expect(calls).toEqual([['checkout', new Date('2024-06-03T02:30:00Z'), NOW]]);
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('No deploys or config changes recorded for checkout in the 6 h before this started');
  });

  it('looks at the service the check names', async () => {
    const calls: string[] = [];
    await runCheck({ ...recent, service: 'payments' }, ctx({ changes: { between: async (s) => (calls.push(s), []) } }));
    expect(calls).toEqual(['payments']);
  });

  it('calls out a credentials change first, with its time relative to the start, and fails', async () => {
    const changes = [
      change({ kind: 'deploy', summary: 'checkout v2.14.0', at: '2024-06-03T08:25:00Z', version: 'v2.14.0' }),
      change({ kind: 'credentials', summary: 'Payment gateway API key updated', at: '2024-06-03T08:18:00Z', author: 'deploy-bot' }),
      change({ kind: 'feature_flag', summary: 'new-checkout-ui 10%', at: '2024-06-03T06:00:00Z' }),
    ];
    const r = await runCheck(recent, ctx({ changes: { between: async () => changes } }));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('⚠️ credentials change 12 min before the incident: Payment gateway API key updated');
    expect(r.details?.[0]).toBe('3 changes to checkout in the 6 h before this started');
    expect(r.details?.slice(1)).toEqual([
      '⚠️ credentials change 12 min before the incident: Payment gateway API key updated (deploy-bot)',
      'deploy 5 min before the incident: checkout v2.14.0 [v2.14.0]',
      'feature flag change 2 h 30 min before the incident: new-checkout-ui 10%',
    ]);
  });

  it('passes with deploys only, listing them', async () => {
    const r = await runCheck(recent, ctx({ changes: { between: async () => [change({ summary: 'checkout v2.14.0', at: '2024-06-03T08:34:00Z' })] } }));
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('No credentials or config changes; 1 change to checkout in the 6 h before this started, latest: deploy 4 min after it started: checkout v2.14.0');
  });

  it('is an error without a service, and when the store fails', async () => {
    expect((await runCheck(recent, ctx({ service: undefined }))).status).toBe('error');
    const r = await runCheck(recent, ctx({ changes: { between: async () => Promise.reject(new Error('Connection is closed.')) } }));
    expect(r).toMatchObject({ status: 'error', summary: 'could not read the recorded changes: Connection is closed.' });
  });

  it('orders credentials and config before the rest, newest first', () => {
    const ordered = orderChanges([
      change({ id: 'a', kind: 'deploy', at: '2024-06-03T08:29:00Z' }),
      change({ id: 'b', kind: 'config', at: '2024-06-03T07:00:00Z' }),
      change({ id: 'c', kind: 'credentials', at: '2024-06-03T08:00:00Z' }),
      change({ id: 'd', kind: 'infra', at: '2024-06-03T08:10:00Z' }),
    ]);
    expect(ordered.map((c) => c.id)).toEqual(['c', 'b', 'a', 'd']);
    expect(relativeToStart('2024-06-03T06:25:00Z', START)).toBe('2 h 5 min before the incident');
    expect(relativeToStart('2024-06-03T08:30:10Z', START)).toBe('at the start');
  });
});

describe('runStepChecks', () => {
  it('runs each check of the steps once and answers per step', async () => {
    const source = `---
name: gw
title: Gateway
checks:
  auth:
    type: http
    url: ${base}/unauth
    headers:
      Authorization: { env: GATEWAY_TOKEN, prefix: "Bearer " }
  changes:
    type: recent_changes
---
- [ ] Check the key {check: auth}
- [ ] Look at changes {check: changes}
- [ ] Check the key again {check: auth}
- [ ] Think
`;
    const { runbook, problems } = parseRunbook(source, 'gw.md');
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const before = seen.filter((s) => s.path === '/unauth').length;
    const results = await runStepChecks(runbook!, ctx());
    expect([...results.keys()]).toEqual(['s1', 's2', 's3']);
    expect(results.get('s1')?.summary).toBe('credentials rejected (HTTP 401)');
    expect(results.get('s3')).toEqual(results.get('s1'));
    expect(results.get('s2')?.status).toBe('pass');
    expect(seen.filter((s) => s.path === '/unauth').length).toBe(before + 1);
    expectNoSecret([...results.values()]);
  });
});

describe('runStepChecks with tcp and dns checks', () => {
  it('runs each check by its type, from a parsed runbook', async () => {
    const port = Number(new URL(base).port);
    const source = `---
name: net
title: Network
checks:
  port:
    type: tcp
    host: 127.0.0.1
    port: ${port}
    timeout_ms: 2000
  name:
    type: dns
    name: localhost
  auth:
    type: http
    url: ${base}/ok
    expect_body: { contains: "\\"ok\\":true" }
    headers:
      Authorization: { env: GATEWAY_TOKEN, prefix: "Bearer " }
---
- [ ] The port answers {check: port}
- [ ] The name resolves {check: name}
- [ ] The key works and the body says ok {check: auth}
`;
    const { runbook, problems } = parseRunbook(source, 'net.md');
    expect(problems).toEqual([]);
    const results = await runStepChecks(runbook!, ctx());
    expect(results.get('s1')?.summary).toMatch(new RegExp(`^accepts connections on 127\\.0\\.0\\.1:${port} \\(\\d+ ms\\)$`));
    expect(results.get('s2')?.summary).toMatch(/^localhost resolves to /);
    expect(results.get('s3')).toMatchObject({ status: 'pass', httpStatus: 200 });
    // The /ok body echoes the token; the body was read, but only a verdict came out of it.
    expectNoSecret([...results.values()]);
  });

  it('never throws, even for a check the schema would have refused', async () => {
    const r = await runCheck({ type: 'tcp', host: '127.0.0.1', port: Number.NaN, timeout_ms: 500 }, ctx());
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('could not connect to 127.0.0.1:NaN');
  });
});

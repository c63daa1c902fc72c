import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { createServer as createNetServer, Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type CheckContext } from '../../src/runbooks/checks/index.js';
import { connectWithin } from '../../src/runbooks/checks/sockets.js';
import type { DnsCheck, HttpCheck, TcpCheck } from '../../src/runbooks/format/schema.js';

/**
 * Issue 12, "checks beyond HTTP status": `tcp` against a local server and a closed port, `dns`
 * against `localhost` and a name that cannot resolve, the certificate of a local HTTPS server
 * with a short-lived self-signed certificate made here, `expect_body`, and header values read
 * from a file at every run.
 */

const SECRET = 'sk_live_51HfileSECRETvalue0a1b2c3d4e5f';
const tmp = mkdtempSync(join(tmpdir(), 'beacon-checks-net-'));
const servers: Server[] = [];
/** Authorization headers the HTTP server received, in order. */
const received: string[] = [];

const noChanges: CheckContext['changes'] = { between: async () => [] };
const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({
  incidentStart: new Date(),
  now: new Date(),
  env: { GATEWAY_TOKEN: SECRET },
  changes: noChanges,
  ...over,
});

async function listen<S extends Server>(server: S): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** The secret appears nowhere in the result, in any form. */
function expectNoSecret(result: unknown, secret = SECRET) {
  const json = JSON.stringify(result);
  expect(json).not.toContain(secret);
  expect(json).not.toContain(secret.slice(8, 28));
}

describe('tcp check', () => {
  const tcp = (port: number, host = '127.0.0.1'): TcpCheck => ({ type: 'tcp', host, port, timeout_ms: 2000 });

  it('passes when the port accepts a connection, with the time it took', async () => {
    const port = await listen(createNetServer((socket) => socket.destroy()) as unknown as Server);
    const r = await runCheck(tcp(port), ctx());
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(new RegExp(`^accepts connections on 127\\.0\\.0\\.1:${port} \\(\\d+ ms\\)$`));
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails in words on a closed port', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runCheck(tcp(port), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: `refuses connections on 127.0.0.1:${port}` });
  });

  it('fails naming a host that does not resolve', async () => {
    const r = await runCheck(tcp(443, 'nonexistent.invalid'), ctx());
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^nonexistent\.invalid (does not resolve|could not be resolved)/);
  });

  it('gives up on a connection that neither opens nor fails, at the deadline', async () => {
    const started = Date.now();
    // A socket that is never connected stands in for a host that drops the packets.
    const r = await connectWithin(() => new Socket(), 'connect', 150);
    expect(r).toEqual({ timedOut: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('dns check', () => {
  const dns = (name: string, addresses?: string[]): DnsCheck => ({ type: 'dns', name, timeout_ms: 3000, ...(addresses ? { addresses } : {}) });

  it('passes when the name resolves, and to listed addresses only', async () => {
    const r = await runCheck(dns('localhost'), ctx());
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/^localhost resolves to .+ \(\d+ ms\)$/);
    expect((await runCheck(dns('localhost', ['127.0.0.1', '::1']), ctx())).status).toBe('pass');
  });

  it('fails on an address outside the list, naming both', async () => {
    const r = await runCheck(dns('localhost', ['10.0.0.5', '10.0.0.6']), ctx());
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^localhost resolves to (127\.0\.0\.1|::1).*, not one of 10\.0\.0\.5, 10\.0\.0\.6$/);
  });

  it('fails when the name does not resolve', async () => {
    const r = await runCheck(dns('nonexistent.invalid'), ctx());
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^nonexistent\.invalid (does not resolve|could not be resolved)/);
  });
});

/** Answers by path; echoes the Authorization header it got in some bodies, as careless servers do. */
function answer(req: IncomingMessage, res: ServerResponse) {
  const auth = req.headers.authorization ?? '';
  received.push(auth);
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = req.url ?? '/';
  if (path === '/health') return json(200, { status: 'ok', checks: [{ name: 'db', state: 'up' }] });
  if (path === '/degraded') return json(200, { status: 'degraded', you_sent: auth });
  if (path === '/unauth') return json(401, { error: 'bad key', you_sent: auth });
  if (path === '/html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end(`<html><body>Down for maintenance. Your header was ${auth}</body></html>`);
  }
  if (path === '/big') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end(`${'x'.repeat(200 * 1024)} needle`);
  }
  res.writeHead(404);
  res.end();
}

describe('http expect_body', () => {
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(createHttpServer(answer))}`;
  });
  const http = (path: string, expect_body: HttpCheck['expect_body'], over: Partial<HttpCheck> = {}): HttpCheck => ({
    type: 'http',
    url: `${base}${path}`,
    method: 'GET',
    expect: [200],
    timeout_ms: 3000,
    headers: { Authorization: { env: 'GATEWAY_TOKEN', prefix: 'Bearer ' } },
    ...(expect_body ? { expect_body } : {}),
    ...over,
  });

  it('passes when the body contains the text, or the JSON path holds the value', async () => {
    const contains = await runCheck(http('/health', { contains: '"status":"ok"' }), ctx());
    expect(contains.status).toBe('pass');
    expect(contains.summary).toMatch(/^HTTP 200 in \d+ ms, body contains "\\"status\\":\\"ok\\""$/);
    const json = await runCheck(http('/health', { json: '$.status', equals: 'ok' }), ctx());
    expect(json.status).toBe('pass');
    expect(json.summary).toMatch(/^HTTP 200 in \d+ ms, \$\.status is "ok"$/);
    expect((await runCheck(http('/health', { json: '$.checks[0].state', equals: 'up' }), ctx())).status).toBe('pass');
  });

  it('fails in words when the text is missing, with a scrubbed excerpt and never the secret', async () => {
    const r = await runCheck(http('/html', { contains: 'all good' }), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'answered 200 but the body did not contain "all good"', httpStatus: 200 });
    expect(r.details?.join('\n')).toContain('the body starts: <html><body>Down for maintenance. Your header was');
    expectNoSecret(r);
  });

  it('fails in words when the JSON value differs, is missing, or the body is not JSON', async () => {
    const differs = await runCheck(http('/degraded', { json: '$.status', equals: 'ok' }), ctx());
    expect(differs).toMatchObject({ status: 'fail', summary: 'answered 200 but $.status was "degraded", expected "ok"', httpStatus: 200 });
    expectNoSecret(differs);
    const missing = await runCheck(http('/health', { json: '$.version', equals: 3 }), ctx());
    expect(missing.summary).toBe('answered 200 but the body has no $.version (expected 3)');
    const notJson = await runCheck(http('/html', { json: '$.status', equals: 'ok' }), ctx());
    expect(notJson.summary).toBe('answered 200 but the body is not JSON (expected $.status to be "ok")');
    expectNoSecret(notJson);
    const echoed = await runCheck(http('/degraded', { json: '$.you_sent', equals: 'nothing' }), ctx());
    expect(echoed.status).toBe('fail');
    expectNoSecret(echoed);
  });

  it('reads at most 64 KiB of the body', async () => {
    const r = await runCheck(http('/big', { contains: 'needle' }), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'answered 200 but the first 64 KiB of the body did not contain "needle"' });
    expect(JSON.stringify(r).length).toBeLessThan(2000);
  });

  it('judges the status first: an unexpected status is reported as before', async () => {
    const r = await runCheck(http('/unauth', { contains: 'ok' }), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'credentials rejected (HTTP 401)' });
    expectNoSecret(r);
  });

  describe('header values from a file', () => {
    const file = join(tmp, 'gateway-token');
    const fromFile = (path: string) => http('/degraded', { json: '$.status', equals: 'degraded' }, { headers: { Authorization: { file: path, prefix: 'Bearer ' } } });

    it('reads the file at every run, drops the trailing newline and scrubs the value', async () => {
      writeFileSync(file, `${SECRET}\n`);
      const first = await runCheck(fromFile(file), ctx({ env: {} }));
      expect(first.status).toBe('pass');
      expect(received.at(-1)).toBe(`Bearer ${SECRET}`);
      expect(first.details?.join('\n')).toContain(`Authorization from ${file}`);
      expectNoSecret(first);

      const rotated = 'sk_live_51HrotatedSECRET9z8y7x6w5v4u';
      writeFileSync(file, `${rotated}\n`);
      const second = await runCheck(http('/degraded', { json: '$.status', equals: 'ok' }, { headers: { Authorization: { file, prefix: 'Bearer ' } } }), ctx());
      expect(received.at(-1)).toBe(`Bearer ${rotated}`);
      expect(second.summary).toBe('answered 200 but $.status was "degraded", expected "ok"');
      expectNoSecret(second, rotated);
    });

    it('is an error naming the file, not its content, when it cannot be read', async () => {
      const before = received.length;
      const missing = await runCheck(fromFile(join(tmp, 'missing')), ctx());
      expect(missing).toEqual({ status: 'error', summary: `cannot read ${join(tmp, 'missing')} for the Authorization header: no such file` });
      const folder = join(tmp, 'a-folder');
      mkdirSync(folder, { recursive: true });
      expect((await runCheck(fromFile(folder), ctx())).summary).toBe(`cannot read ${folder} for the Authorization header: it is a folder, not a file`);
      const empty = join(tmp, 'empty');
      writeFileSync(empty, '\n');
      expect((await runCheck(fromFile(empty), ctx())).summary).toBe(`cannot read ${empty} for the Authorization header: the file is empty`);
      expect(received.length).toBe(before);
    });

    it('names the file in the advice on rejected credentials', async () => {
      writeFileSync(file, SECRET);
      const r = await runCheck({ ...fromFile(file), url: `${base}/unauth`, expect_body: undefined } as HttpCheck, ctx());
      expect(r.summary).toBe('credentials rejected (HTTP 401)');
      expect(r.details?.join('\n')).toContain(`compare the value of ${file} with the secret store`);
      expectNoSecret(r);
    });
  });
});

const run = promisify(execFile);

/** A self-signed certificate for 127.0.0.1 valid for `days` days, made with openssl. */
async function selfSigned(days: number, san = 'IP:127.0.0.1'): Promise<{ key: string; cert: string }> {
  const dir = join(tmp, `cert-${days}-${san.replace(/\W/g, '')}`);
  mkdirSync(dir, { recursive: true });
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', String(days), '-subj', '/CN=beacon-test', '-addext', `subjectAltName=${san}`,
  ]);
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

/** A `fetch` for the tests that trusts `ca` (the global one trusts only the system's authorities). */
function fetchTrusting(ca: string): typeof fetch {
  return (input, init) =>
    new Promise((resolve, reject) => {
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const req = httpsRequest(String(input), { method: init?.method ?? 'GET', headers, ca, signal: init?.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
      });
      req.on('error', reject);
      req.end();
    });
}

describe('http tls_days', () => {
  let url = '';
  let ca = '';
  let otherNameUrl = '';
  beforeAll(async () => {
    const three = await selfSigned(3);
    ca = three.cert;
    url = `https://127.0.0.1:${await listen(createHttpsServer(three, answer))}/health`;
    // Trusted too, but made out for another name than the one in the URL.
    const other = await selfSigned(30, 'DNS:elsewhere.example');
    otherNameUrl = `https://127.0.0.1:${await listen(createHttpsServer(other, answer))}/health`;
    ca = `${ca}\n${other.cert}`;
  });
  const https = (tls_days: number | undefined, over: Partial<HttpCheck> = {}): HttpCheck => ({
    type: 'http',
    url,
    method: 'GET',
    expect: [200],
    timeout_ms: 3000,
    headers: {},
    ...(tls_days !== undefined ? { tls_days } : {}),
    ...over,
  });
  const trusted = (over: Partial<CheckContext> = {}) => ctx({ tlsCa: ca, fetch: fetchTrusting(ca), ...over });

  it('passes a trusted certificate good for longer than tls_days, saying for how long', async () => {
    const r = await runCheck(https(2, { expect_body: { json: '$.status', equals: 'ok' } }), trusted());
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/^HTTP 200 in \d+ ms, \$\.status is "ok"; certificate good for 3 days$/);
    expect(r.details?.join('\n')).toMatch(/certificate for 127\.0\.0\.1 valid from \d{4}-\d\d-\d\d until \d{4}-\d\d-\d\d/);
  });

  it('fails a certificate that expires within tls_days, though the answer was right', async () => {
    const r = await runCheck(https(14), trusted());
    expect(r).toMatchObject({ status: 'fail', summary: 'certificate for 127.0.0.1 expires in 3 days', httpStatus: 200 });
  });

  it('fails an expired certificate as expired', async () => {
    const later = new Date(Date.now() + 10 * 24 * 3600_000);
    const r = await runCheck(https(14), trusted({ now: later }));
    expect(r).toMatchObject({ status: 'fail', summary: 'certificate for 127.0.0.1 expired 7 days ago' });
  });

  it('fails a certificate nobody vouches for, with or without tls_days', async () => {
    const r = await runCheck(https(14), ctx());
    expect(r).toMatchObject({ status: 'fail', summary: 'certificate for 127.0.0.1 is self-signed, not trusted' });
    const plain = await runCheck(https(undefined), ctx());
    expect(plain).toMatchObject({ status: 'fail', summary: 'certificate for 127.0.0.1 is self-signed, not trusted' });
  });

  it('fails a certificate made out for another name', async () => {
    const r = await runCheck(https(14, { url: otherNameUrl }), trusted());
    expect(r).toMatchObject({ status: 'fail', summary: 'certificate for 127.0.0.1 is for another name' });
    expect(r.details?.join('\n')).toContain('it names DNS:elsewhere.example');
  });

  it('is bounded by the timeout when the server never finishes the handshake', async () => {
    const held: Socket[] = [];
    // Reads what it is sent, answers nothing.
    const silent = createNetServer((socket) => void held.push(socket.resume()));
    const port = await listen(silent as unknown as Server);
    const started = Date.now();
    const r = await runCheck(https(14, { url: `https://127.0.0.1:${port}/`, timeout_ms: 300 }), trusted());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('integration not answering (timed out after 300ms)');
    // Both connections (the request's and the certificate read's) were given up on, from our side.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held.map((s) => s.readyState)).toEqual(['closed', 'closed']);
  });
});

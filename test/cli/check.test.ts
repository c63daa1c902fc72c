import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeStore } from '../../src/changes/store.js';
import { freePort } from '../../src/dev/local-redis.js';
import { Keys } from '../../src/keys.js';
import { cleanup, testRedisUrl, uniquePrefix } from '../support/beacon.js';

/**
 * Issue #12, the deploy gate: `beacon check` run as a pipeline runs it, a child process of
 * `node bin/beacon.js` (what `npx beacon` runs) from the repo root, against runbooks whose http
 * checks point at a server this test runs.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'gw-secret-value-5e1d7c3b9a';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every output of every run, to look for the secret in at the end. */
const outputs: string[] = [];

/** `node bin/beacon.js …`, or with `via: 'npx'` `npx --no beacon …` (`--no`: never a registry package). */
function beacon(args: string[], env: Record<string, string> = {}, via: 'node' | 'npx' = 'node'): Promise<Run> {
  const [command, pre] = via === 'npx' ? ['npx', ['--no', 'beacon']] : [process.execPath, ['bin/beacon.js']];
  const proc = spawn(command, [...pre, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', GATEWAY_TOKEN: SECRET, REDIS_URL: closedRedis, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    proc.on('close', (code) => {
      outputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    }),
  );
}

function runbook(dir: string, file: string, frontMatter: string, steps = '- [ ] Look at it'): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `---\n${frontMatter.trim()}\n---\n\n# ${file}\n\n## Steps\n\n${steps}\n`);
}

let server: Server;
let base: string;
let closedRedis: string;
const tmp = mkdtempSync(join(tmpdir(), 'beacon-gate-'));
const dirs = { good: join(tmp, 'good'), mixed: join(tmp, 'mixed'), broken: join(tmp, 'broken'), empty: join(tmp, 'empty') };
/** Authorization headers the gateway stand-in received. */
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.headers.authorization ?? '');
    const ok = req.headers.authorization === `Bearer ${SECRET}`;
    if (req.url === '/v1/balance') res.statusCode = ok ? 200 : 401;
    else if (req.url === '/v1/rotated') res.statusCode = 401;
    // A server that echoes the credentials back where a result could show them.
    else if (req.url === '/v1/echo') {
      res.statusCode = 302;
      res.setHeader('location', `/login/${encodeURIComponent(req.headers.authorization ?? '')}`);
    } else res.statusCode = 404;
    res.end(`{"echo":"${req.headers.authorization ?? ''}"}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  closedRedis = `redis://127.0.0.1:${await freePort()}`;
  const auth = 'headers:\n      Authorization: { env: GATEWAY_TOKEN, prefix: "Bearer " }';
  const http = (path: string, headers = auth) => `\n    type: http\n    url: ${base}${path}\n    ${headers}`;
  /** The seed's runbook, its gateway standing in at `base`, with these checks after `gateway-auth`. */
  const checkout = (more: string) =>
    `name: checkout-payments\ntitle: Checkout cannot take payments\nmatch:\n  service: checkout\nchecks:\n  gateway-auth:${http('/v1/balance')}\n${more}`;
  runbook(
    dirs.good,
    'checkout.md',
    checkout('  checkout-changes:\n    type: recent_changes\n    hours: 12'),
    '- [ ] Credentials {check: gateway-auth}\n- [ ] Changes {check: checkout-changes}',
  );
  runbook(
    dirs.mixed,
    'checkout.md',
    checkout(
      [
        `  gateway-rotated:${http('/v1/rotated')}`,
        `  gateway-echo:${http('/v1/echo')}`,
        `  fraud-auth:${http('/v1/balance', 'headers:\n      Authorization: { env: FRAUD_TOKEN_NOT_SET }')}`,
      ].join('\n'),
    ),
  );
  runbook(dirs.mixed, 'payments.md', `
name: payments-db
title: Payments database
match:
  service: [payments, checkout]
  labels: { component: db }
checks:
  db-changes:
    type: recent_changes
    hours: 24
    service: payments
`);
  runbook(dirs.broken, 'checkout.md', 'name: Checkout Payments\ntitle: x\nchecks:\n  a:\n    type: http\n    url: ftp://x\n');
  runbook(dirs.empty, 'nothing.md', 'name: no-checks\ntitle: A runbook without checks');
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('beacon check', () => {
  it('exits 0 with one ✅ line per check when every check passes (recent_changes skipped without Redis)', async () => {
    const run = await beacon(['check', '--dir', dirs.good, '--runbook', 'checkout-payments']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^✅ checkout-payments\/gateway-auth: HTTP 200 in \d+ ms$/);
    expect(lines[1]).toMatch(/^⏭️ checkout-payments\/checkout-changes: skipped: .*Redis.*not answering \(connection refused\)$/);
    expect(lines[2]).toMatch(/^OK: 1 passed, 0 failed, 0 errored, 1 skipped/);
    expect(lines).toHaveLength(3);
    expect(received).toContain(`Bearer ${SECRET}`);
  });

  it('exits 1 with ❌ for a rejected credential and ❗ for a check that cannot run', async () => {
    const run = await beacon(['check', '--dir', dirs.mixed, '--runbook', 'checkout-payments']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^✅ checkout-payments\/gateway-auth: HTTP 200 in \d+ ms$/m);
    expect(run.stdout).toMatch(/^❌ checkout-payments\/gateway-rotated: credentials rejected \(HTTP 401\)$/m);
    expect(run.stdout).toMatch(/^❌ checkout-payments\/gateway-echo: unexpected HTTP 302 \(redirects to .*\/login\/.*\[redacted\]\)$/m);
    expect(run.stdout).toMatch(/^❗ checkout-payments\/fraud-auth: environment variable FRAUD_TOKEN_NOT_SET is not set/m);
    expect(run.stdout).toMatch(/^ {5}compare the value of \$GATEWAY_TOKEN with the secret store/m);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^FAILED: 1 passed, 2 failed, 1 errored, 0 skipped \(4 checks of 1 runbook/);
  });

  it('takes every runbook listing the service with --service, and repeated --runbook', async () => {
    const byService = await beacon(['check', '--dir', dirs.mixed, '--service', 'payments']);
    expect(byService.code).toBe(0);
    expect(byService.stdout).toMatch(/^⏭️ payments-db\/db-changes: skipped/m);
    const both = await beacon(['check', '--dir', dirs.mixed, '--runbook', 'payments-db', '--runbook=Checkout-Payments', '--format', 'json']);
    expect(both.code).toBe(1);
    const json = JSON.parse(both.stdout);
    expect(json.runbooks).toEqual(['payments-db', 'checkout-payments']);
    expect(json.results).toHaveLength(5);
  });

  it('runs every check of every runbook in the folder with neither --runbook nor --service', async () => {
    const all = await beacon(['check', '--dir', dirs.mixed, '--format', 'json']);
    expect(all.code, all.stderr).toBe(1);
    const json = JSON.parse(all.stdout);
    expect([...json.runbooks].sort()).toEqual(['checkout-payments', 'payments-db']);
    expect(json.results).toHaveLength(5);
    expect(json.counts).toEqual({ pass: 1, fail: 2, error: 1, skipped: 1 });
    expect(json.results.find((r: { check: string }) => r.check === 'db-changes')).toMatchObject({ runbook: 'payments-db', status: 'skipped' });
    const good = await beacon(['check', '--dir', dirs.good]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^✅ checkout-payments\/gateway-auth: HTTP 200 in \d+ ms$/m);
    expect(good.stdout.trim().split('\n').at(-1)).toMatch(/^OK: 1 passed, 0 failed, 0 errored, 1 skipped \(2 checks of 1 runbook/);
  });

  it('runs the same through npx from the repo root, exit code included', async () => {
    const run = await beacon(['check', '--dir', dirs.mixed, '--runbook', 'checkout-payments', '--format', 'json'], {}, 'npx');
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).counts).toEqual({ pass: 1, fail: 2, error: 1, skipped: 0 });
    expect((await beacon(['check', '--dir', dirs.broken, '--runbook', 'x'], {}, 'npx')).code).toBe(2);
  });

  it('exits 2 for a broken runbook, naming the file and line', async () => {
    const run = await beacon(['check', '--dir', dirs.broken, '--runbook', 'checkout-payments']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/checkout\.md:\d+: /);
    expect(run.stderr).toMatch(/have \d+ errors?; fix them first/);
  });

  it.each([
    [['check', '--dir', dirs.empty], /no runbook under .*empty defines checks: nothing to run/],
    [['check', '--dir', dirs.empty, '--format', 'xml'], /--format must be one of text, json, junit/],
    [['check', '--dir'], /--dir needs a value/],
    [['check', '--dir', dirs.good, '--runbook'], /--runbook needs a value/],
    [['check', '--dir', dirs.good, '--runbook', 'checkout-payments', '--format', 'xml'], /--format must be one of text, json, junit/],
    [['check', '--dir', dirs.good, '--runbook', 'checkout-payments', '--verbose'], /unknown option --verbose/],
    [['check', '--dir', dirs.good, '--runbook', 'checkout-payments', 'extra'], /unexpected argument "extra"/],
    [['check', '--dir', dirs.good, '--service', 'a', '--service', 'b'], /--service given twice/],
    [['check', '--dir', dirs.good, '--runbook', 'nope'], /no runbook named "nope" \(there are: checkout-payments\)/],
    [['check', '--dir', dirs.good, '--service', 'billing'], /no runbook matches service "billing"/],
    [['check', '--dir', dirs.empty, '--runbook', 'no-checks'], /no-checks defines no checks/],
    [['deploy'], /unknown command: deploy/],
    [[], /name a command/],
  ])('exits 2 for bad usage: %j', async (args, message) => {
    const run = await beacon(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('prints its usage with --help and exits 0', async () => {
    const run = await beacon(['check', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(
      'usage: beacon check [--runbook NAME]... [--service NAME] [--dir DIR] [--format text|json|junit] [--output FILE]',
    );
  });

  it('writes JSON with runbook, check, status, summary, details and duration of each check', async () => {
    const run = await beacon(['check', '--dir', dirs.mixed, '--runbook', 'checkout-payments', '--format', 'json']);
    expect(run.code).toBe(1);
    // stdout is the report alone; the text lines go to stderr.
    const json = JSON.parse(run.stdout);
    expect(run.stderr).toMatch(/^❌ checkout-payments\/gateway-rotated/m);
    expect(json.ok).toBe(false);
    expect(json.counts).toEqual({ pass: 1, fail: 2, error: 1, skipped: 0 });
    const rotated = json.results.find((r: { check: string }) => r.check === 'gateway-rotated');
    expect(rotated).toMatchObject({ runbook: 'checkout-payments', type: 'http', status: 'fail', summary: 'credentials rejected (HTTP 401)', http_status: 401 });
    expect(rotated.details[0]).toMatch(/answered HTTP 401/);
    expect(typeof rotated.duration_ms).toBe('number');
    expect(json.results.map((r: { status: string }) => r.status)).toEqual(['pass', 'fail', 'fail', 'error']);
  });

  it('writes JUnit XML to --output: a suite per runbook, a case per check, failure and error elements', async () => {
    const file = join(tmp, 'reports', 'beacon.xml');
    const run = await beacon(['check', '--dir', dirs.mixed, '--runbook', 'checkout-payments', '--runbook', 'payments-db', '--format', 'junit', '--output', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^❌ checkout-payments\/gateway-rotated/m); // the text lines still go to stdout
    const text = readFileSync(file, 'utf8');
    outputs.push(text);
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(text);
    const suites = doc.testsuites.testsuite as { name: string; tests: string; failures: string; errors: string; skipped: string; testcase: Record<string, any>[] }[];
    expect(suites.map((s) => s.name)).toEqual(['checkout-payments', 'payments-db']);
    const [checkout, payments] = suites;
    expect(checkout!.testcase.map((c) => c.name)).toEqual(['gateway-auth', 'gateway-rotated', 'gateway-echo', 'fraud-auth']);
    expect(checkout).toMatchObject({ tests: '4', failures: '2', errors: '1', skipped: '0' });
    const byName = Object.fromEntries(checkout!.testcase.map((c) => [c.name, c]));
    expect(byName['gateway-auth']!.failure).toBeUndefined();
    expect(byName['gateway-rotated']!.failure.message).toBe('credentials rejected (HTTP 401)');
    expect(byName['gateway-echo']!.failure.message).toMatch(/^unexpected HTTP 302/);
    expect(byName['fraud-auth']!.error.message).toMatch(/FRAUD_TOKEN_NOT_SET is not set/);
    expect(payments!.testcase).toHaveLength(1);
    expect(payments!.testcase[0]!.skipped.message).toMatch(/^skipped: /);
    expect(doc.testsuites).toMatchObject({ tests: '5', failures: '2', errors: '1', skipped: '1' });
  });

  it('shows no secret header value in any output', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const out of outputs) expect(out).not.toContain(SECRET);
    for (const out of outputs) expect(out).not.toContain(encodeURIComponent(`Bearer ${SECRET}`));
  });
});

describe('beacon check with Beacon\'s Redis', () => {
  const prefix = uniquePrefix('gate');
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    const changes = new ChangeStore(redis, new Keys(prefix));
    const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
    await changes.record({ id: 'c1', service: 'checkout', kind: 'deploy', summary: 'checkout v2.4.1', at: ago(30) });
    await changes.record({ id: 'c2', service: 'payments', kind: 'credentials', summary: 'rotated the payment gateway API key', at: ago(12) });
  });
  afterAll(async () => {
    await cleanup(redis, prefix);
    redis.disconnect();
  });

  it('runs recent_changes checks when REDIS_URL answers', async () => {
    const env = { REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix };
    const good = await beacon(['check', '--dir', dirs.good, '--runbook', 'checkout-payments'], env);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^✅ checkout-payments\/checkout-changes: No credentials or config changes; 1 change to checkout .*checkout v2\.4\.1$/m);
    const payments = await beacon(['check', '--dir', dirs.mixed, '--service', 'payments', '--format', 'json'], env);
    expect(payments.code).toBe(1);
    const [result] = JSON.parse(payments.stdout).results;
    expect(result).toMatchObject({ runbook: 'payments-db', check: 'db-changes', type: 'recent_changes', status: 'fail' });
    expect(result.summary).toMatch(/rotated the payment gateway API key/);
  });

  it('escapes what a recorded change says in the JUnit XML', async () => {
    const changes = new ChangeStore(redis, new Keys(prefix));
    const odd = `flag <checkout & "new" 'flow'>\u0001]]>`;
    await changes.record({ id: 'c3', service: 'payments', kind: 'config', summary: odd, at: new Date(Date.now() - 60_000).toISOString() });
    const run = await beacon(['check', '--dir', dirs.mixed, '--runbook', 'payments-db', '--format', 'junit'], { REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix });
    expect(run.code).toBe(1);
    expect(XMLValidator.validate(run.stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', processEntities: true, htmlEntities: true }).parse(run.stdout);
    const failure = doc.testsuites.testsuite.testcase.failure;
    expect(failure.message).toContain(`flag <checkout & "new" 'flow'>\ufffd]]>`);
  });
});

describe('beacon runbooks lint', () => {
  it('is npm run runbooks:check', async () => {
    const ok = await beacon(['runbooks', 'lint', dirs.good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 1 runbook under /m);
    const broken = await beacon(['runbooks', 'lint', dirs.broken, '--strict']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^FAILED: /m);
    expect(existsSync(join(ROOT, 'bin', 'beacon.js'))).toBe(true);
  });
});

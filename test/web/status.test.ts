import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HtmlValidate } from 'html-validate';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeStore } from '../../src/changes/store.js';
import { newDeclaredIncident, type Incident } from '../../src/incidents/model.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Keys } from '../../src/keys.js';
import { ChecklistStore } from '../../src/runbooks/checklist-store.js';
import { StatusStore } from '../../src/status/store.js';
import { TimelineStore } from '../../src/timeline/store.js';
import type { WebSources } from '../../src/web/sources.js';
import { statusRoutes } from '../../src/web/status/routes.js';
import { cleanup, testRedisUrl, uniquePrefix } from '../support/beacon.js';

/**
 * The status page routes on a small HTTP server of their own (as the web router mounts them),
 * over a real Redis: headers, the JSON shape, escaping, valid HTML, and what happens without Redis.
 */
const HOSTILE = '<script>alert(1)</script> <!channel> & "quotes" \'too\'';
const T0 = new Date('2026-06-03T08:30:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });

let redis: Redis;
let keys: Keys;
let now = at(0);
let n = 0;

function sources(r: Redis, k: Keys): WebSources {
  return {
    incidents: new IncidentStore(r, k),
    timeline: new TimelineStore(r, k),
    changes: new ChangeStore(r, k),
    checklists: new ChecklistStore(r, k),
    runbooks: () => [],
    now: () => now,
    redis: r,
    keys: k,
  };
}

async function serve(src: WebSources): Promise<{ server: Server; url: string }> {
  const route = statusRoutes(src);
  const server = createServer((req, res) => {
    route(req, res, new URL(req.url ?? '/', 'http://x')).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end('not mine');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let web: { server: Server; url: string };
const get = (path: string, init?: RequestInit) => fetch(`${web.url}${path}`, init);

async function seed(over: Partial<Incident>, updates: string[]): Promise<Incident> {
  n++;
  const i = { ...newDeclaredIncident(`web-st-${n}`, n, { title: `Incident ${n}`, severity: 'sev2', service: 'checkout', declaredBy: 'U0000001' }, T0), ...over };
  await new IncidentStore(redis, keys).create(i);
  const store = new StatusStore(redis, keys);
  for (const [k, text] of updates.entries()) await store.record(i.id, { id: `command:${i.id}:${k}`, at: at(k + 1).toISOString(), text, status: i.status });
  return i;
}

async function valid(body: string): Promise<void> {
  const report = await validator.validateString(body);
  expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
  expect(report.valid).toBe(true);
}

beforeAll(async () => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  keys = new Keys(uniquePrefix('web-status'));
  web = await serve(sources(redis, keys));
});

afterAll(async () => {
  await new Promise((r) => web?.server.close(r));
  await cleanup(redis, keys.prefix);
  redis.disconnect();
});

describe('GET /status and /status.json', () => {
  it('with nothing said publicly: All systems operational, valid HTML, public and cacheable for a few seconds', async () => {
    const res = await get('/status');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*style-src 'self'/);
    expect(res.headers.get('vary')).toBeNull();
    const body = await res.text();
    expect(body).toContain('<h1>All systems operational</h1>');
    expect(body).toContain('No incidents reported in the last 7 days.');
    // Public: no sign-in form or links to signed-in pages.
    expect(body).not.toMatch(/href="\/(incidents|insights)"|\/auth\//);
    await valid(body);

    const json = await get('/status.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('cache-control')).toBe('public, max-age=5');
    expect(await json.json()).toEqual({ version: 1, generatedAt: now.toISOString(), health: 'operational', summary: 'All systems operational', services: [] });
  });

  it('shows services with public updates, newest first, in customer words, times in UTC <time>', async () => {
    now = at(30);
    const i = await seed({ severity: 'sev1', status: 'acknowledged', title: 'Card payments failing' }, ['We are investigating failed card payments.', 'Cause found: an expired gateway key. Rotating it.']);
    const body = await (await get('/status')).text();
    expect(body).toContain('<h1>Major outage: checkout</h1>');
    expect(body).toContain('Card payments failing');
    expect(body).toContain('Identified');
    const second = body.indexOf('Cause found');
    const first = body.indexOf('We are investigating');
    expect(second).toBeGreaterThan(-1);
    expect(second).toBeLessThan(first);
    expect(body).toContain(`<time datetime="${at(2).toISOString()}">2026-06-03 08:32 UTC</time>`);
    expect(body).toContain('Updates are listed newest first.');
    // Styles from Beacon's own files only; no inline styles or scripts (the CSP forbids them).
    expect(body).toMatch(/<link rel="stylesheet" href="\/assets\/status\.css(\?v=[\w-]+)?">/);
    expect(body).not.toMatch(/\sstyle=|<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    await valid(body);

    const data = (await (await get('/status.json')).json()) as { services: { name: string; health: string; incidents: Record<string, unknown>[] }[] };
    expect(data.services).toEqual([
      {
        name: 'checkout',
        health: 'major_outage',
        incidents: [
          {
            id: i.id,
            number: i.number,
            title: 'Card payments failing',
            severity: 'sev1',
            state: 'identified',
            startedAt: i.detectedAt,
            resolvedAt: null,
            updatedAt: at(2).toISOString(),
            updates: [
              { at: at(2).toISOString(), state: 'identified', text: 'Cause found: an expired gateway key. Rotating it.' },
              { at: at(1).toISOString(), state: 'identified', text: 'We are investigating failed card payments.' },
            ],
          },
        ],
      },
    ]);
  });

  it('shows hostile text as text: escaped in HTML, plain data in JSON', async () => {
    await seed({ service: 'search<b>', title: `Title ${HOSTILE}` }, [HOSTILE]);
    const body = await (await get('/status')).text();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).not.toContain('<b>');
    expect(body).not.toContain('<!channel>');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &amp; &quot;quotes&quot; &#39;too&#39;');
    expect(body).toContain('search&lt;b&gt;');
    await valid(body);

    const res = await get('/status.json');
    const raw = await res.text();
    // No `<` at all in the JSON text: nothing in it can be read as markup, even if embedded.
    expect(raw).not.toContain('<');
    const data = JSON.parse(raw) as { services: { name: string; incidents: { title: string; updates: { text: string }[] }[] }[] };
    const svc = data.services.find((s) => s.name === 'search<b>')!;
    expect(svc.incidents[0]!.title).toBe(`Title ${HOSTILE}`);
    expect(svc.incidents[0]!.updates[0]!.text).toBe(HOSTILE);
  });

  it('answers HEAD, refuses other methods, and leaves other paths to the router', async () => {
    const head = await get('/status', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('public, max-age=5');
    const post = await get('/status', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    for (const path of ['/statuses', '/status/x', '/status.jsonp']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('not mine');
    }
  });

  it('answers 503, never an old page, while Redis is unreachable', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => {});
    const dead = await serve(sources(down, keys));
    try {
      for (const path of ['/status', '/status.json']) {
        const res = await fetch(`${dead.url}${path}`);
        expect(res.status).toBe(503);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('retry-after')).toBe('5');
      }
    } finally {
      await new Promise((r) => dead.server.close(r));
      down.disconnect();
    }
  });

  it('has a stylesheet for dark and light and for phones', () => {
    const css = readFileSync(new URL('../../src/web/assets/status.css', import.meta.url), 'utf8');
    expect(css).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(css).toMatch(/@media \(max-width: [\d.]+rem\)/);
  });
});

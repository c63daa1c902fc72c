import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeStore } from '../../src/changes/store.js';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import type { Alert } from '../../src/domain.js';
import { postmortemRoute } from '../../src/http/postmortem-route.js';
import { createHttpServer } from '../../src/http/server.js';
import type { WebhookDeps } from '../../src/http/webhooks.js';
import { acknowledge, mitigate, newDeclaredIncident, newIncidentFromAlert, resolve, type Incident } from '../../src/incidents/model.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Keys } from '../../src/keys.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { connect, whenReady, type Redis } from '../../src/redis.js';
import { ChecklistStore } from '../../src/runbooks/checklist-store.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import { createSlackGateway } from '../../src/slack/gateway.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { TimelineStore } from '../../src/timeline/store.js';
import type { SignedIn, WebAuth } from '../../src/web/auth/types.js';
import { markdownHtml } from '../../src/web/incidents/markdown.js';
import { webRoutes } from '../../src/web/router.js';
import type { WebSources } from '../../src/web/sources.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, cleanup, testRedisUrl, uniquePrefix } from '../support/beacon.js';

/**
 * Issue 14, the incident pages: `/incidents` and `/incidents/<id>` mounted with `webRoutes` on
 * Beacon's own HTTP server, over incidents written through Beacon's stores into a real Redis, with
 * display names from the Slack simulator through Beacon's gateway. Sign-in is a test double of the
 * `WebAuth` port (a cookie naming the user; channel membership from a table), so these tests show
 * the pages' own rules; the sign-in itself is tested with the real auth.
 */

const ALICE = 'U0000001';
const BOB = 'U0000002';
const CAROL = 'U0000003';
const MALLORY = 'U0MALLORY';
const PRIVATE_CHANNEL = 'CPRIV0001';
const T0 = Date.parse('2024-06-03T08:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000);
/** The pages' clock: day 5, after every incident below. */
const NOW = at(5 * 24 * 60);
const HOSTILE_TITLE = '<script>alert("pwned")</script> & <!channel>';

const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
const quiet = createLogger({ level: 'error', secrets: [], out: new Writable({ write: (_c, _e, cb) => cb() }) });

/** The WebAuth port as a test double: `cookie: user=<id>` signs in; members per channel from a table. */
function testAuth(members: Record<string, string[]>): WebAuth & { memberCalls: number } {
  const names: Record<string, string> = { [ALICE]: 'alice', [BOB]: 'bob', [CAROL]: 'carol' };
  const self = {
    memberCalls: 0,
    async viewer(req: IncomingMessage): Promise<SignedIn | null> {
      const id = /(?:^|;\s*)user=([A-Z0-9]+)/.exec(req.headers.cookie ?? '')?.[1];
      return id ? { viewer: { userId: id, teamId: 'T0000001', name: names[id] ?? id }, csrf: 'csrf-of-the-session' } : null;
    },
    async isMember(viewer: { userId: string }, channelId: string) {
      self.memberCalls++;
      return (members[channelId] ?? []).includes(viewer.userId);
    },
    signIn(res: ServerResponse, returnTo: string) {
      res.writeHead(302, { location: `/auth/slack?return_to=${encodeURIComponent(returnTo)}`, 'content-length': 0 });
      res.end();
    },
    async route(_req: IncomingMessage, res: ServerResponse, url: URL) {
      if (url.pathname !== '/auth/slack') return false;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('the sign-in page');
      return true;
    },
  };
  return self;
}

function alertOf(title: string, service: string, startsAt: Date): Alert {
  return { source: 'generic', fingerprint: `fp-${title}`, group: `g-${title}`, status: 'firing', title, severity: 'sev1', service, labels: {}, startsAt: startsAt.toISOString(), link: 'https://grafana.example.com/d/checkout' };
}

const ok = <T>(r: { ok: true; value: T } | { ok: false }): T => {
  if (!r.ok) throw new Error('transition refused');
  return r.value;
};

interface World {
  redis: Redis;
  keys: Keys;
  src: WebSources;
  sim: SlackSimulator;
}

async function seed(w: World): Promise<void> {
  const { src } = w;
  const store = src.incidents;
  // #1: the seed incident, resolved: roles, alerts, a change, a ticked step, a timeline recorded out of order.
  let one = newIncidentFromAlert('incres', 1, alertOf('Checkout: payments failing', 'checkout', at(0)), at(0));
  one = ok(acknowledge(one, ALICE, at(5)));
  one = ok(mitigate(one, ALICE, 'Restored the API key', at(60)));
  one = ok(resolve({ ...one, roles: { comms: BOB, scribe: CAROL } }, BOB, 'Key rotated back', at(105)));
  await store.create({ ...one, slack: { ...one.slack, channelId: 'CPUB00001', channelName: 'inc-20240603-checkout' } });
  await store.recordAlert('incres', alertOf('Checkout: payments failing', 'checkout', at(0)), 'job-1', at(0));
  const events: TimelineEvent[] = [
    { id: 'e-res', kind: 'resolved', at: at(105).toISOString(), actor: BOB, text: 'Key rotated back' },
    { id: 'e-open', kind: 'incident.opened', at: at(0).toISOString(), actor: 'generic', text: 'Checkout: payments failing' },
    { id: 'e-tick', kind: 'checklist.tick', at: at(20).toISOString(), actor: ALICE, text: 'Check the gateway credentials' },
    { id: 'e-ack', kind: 'acknowledged', at: at(5).toISOString(), actor: ALICE, text: '' },
    { id: 'e-upd', kind: 'update', at: at(30).toISOString(), actor: BOB, text: 'Restarting the databases did not help' },
  ];
  for (const e of events) await src.timeline.append('incres', e);
  await src.changes.record({ id: 'chg-1', service: 'checkout', kind: 'credentials', summary: 'Rotate payment gateway API key', author: 'deploy-bot', at: at(-12).toISOString() });
  await src.checklists.attach('incres', 'checkout-payments', { first: true });
  await src.checklists.setTick('incres', 'checkout-payments', 's1', true, ALICE, at(20), 'tick-1');

  await store.create(newDeclaredIncident('incopen', 2, { title: 'Search latency high', severity: 'sev2', service: 'search', declaredBy: BOB }, at(24 * 60)));
  const priv = newDeclaredIncident('incpriv', 3, { title: 'Payroll export leaked', severity: 'sev1', service: 'payroll', declaredBy: ALICE, private: true }, at(48 * 60));
  await store.create({ ...priv, slack: { ...priv.slack, channelId: PRIVATE_CHANNEL } });
  const drill = newDeclaredIncident('incdrill', 4, { title: 'Checkout credentials drill', severity: 'sev2', service: 'checkout', declaredBy: ALICE }, at(72 * 60));
  await store.create({ ...drill, drill: { scenario: 'checkout-credentials', startedAt: at(72 * 60).toISOString(), speed: 1 } });
  let evil = newDeclaredIncident('incevil', 5, { title: HOSTILE_TITLE, severity: 'sev4', service: '<b>evil</b>', declaredBy: MALLORY, description: '[click](javascript:alert(1)) <img src=x onerror=alert(2)>' }, at(96 * 60));
  evil = ok(resolve({ ...evil, lead: MALLORY, lastUpdate: '<img src=x onerror=alert(3)>', lastUpdateBy: MALLORY, links: [{ label: 'bad <link>', url: 'javascript:alert(4)' }] }, MALLORY, undefined, at(97 * 60)));
  await store.create(evil);
  await src.timeline.append('incevil', { id: 'e-evil', kind: 'note', at: at(96 * 60 + 1).toISOString(), actor: MALLORY, text: '<script>alert(5)</script>' });
  const old = ok(resolve(newDeclaredIncident('incold', 6, { title: 'Old checkout blip', severity: 'sev3', service: 'checkout', declaredBy: CAROL }, at(-24 * 60)), CAROL, undefined, at(-23 * 60)));
  await store.create(old);
}

let world: World;
let signedIn: { server: Server; url: string; auth: ReturnType<typeof testAuth> };
let anonymous: { server: Server; url: string };

function serve(src: WebSources, auth?: WebAuth): Promise<{ server: Server; url: string }> {
  const server = createHttpServer({
    log: quiet,
    metrics: createMetrics(),
    ready: async () => true,
    webhooks: {} as WebhookDeps,
    extraRoutes: [postmortemRoute(src, WEBHOOK_TOKEN, src.now, auth), webRoutes({ src, ...(auth ? { auth } : {}) })],
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

beforeAll(async () => {
  const sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  const apiUrl = await sim.start();
  sim.addUser({ id: MALLORY, name: '<b>mallory</b>' });
  const redis = connect(testRedisUrl(), 'command', 'web-incidents-test');
  if (!(await whenReady(redis, 5000))) throw new Error('test Redis did not answer');
  const keys = new Keys(uniquePrefix('web'));
  const gw = createSlackGateway({ token: BOT_TOKEN, apiUrl, log: quiet, retries: 0 });
  const { runbooks } = loadRunbooks(new URL('../../runbooks', import.meta.url).pathname);
  const src: WebSources = {
    incidents: new IncidentStore(redis, keys),
    timeline: new TimelineStore(redis, keys),
    changes: new ChangeStore(redis, keys, () => NOW),
    checklists: new ChecklistStore(redis, keys),
    runbooks: () => runbooks,
    userNames: (ids) => gw.userNames(ids),
    now: () => NOW,
    redis,
    keys,
  };
  world = { redis, keys, src, sim };
  await seed(world);
  const auth = testAuth({ [PRIVATE_CHANNEL]: [ALICE] });
  signedIn = { ...(await serve(src, auth)), auth };
  anonymous = await serve(src);
});

afterAll(async () => {
  for (const s of [signedIn?.server, anonymous?.server]) await new Promise((r) => (s ? s.close(r) : r(null)));
  if (world) {
    await cleanup(world.redis as never, world.keys.prefix);
    world.redis.disconnect();
    await world.sim.stop();
  }
});

const get = (base: string, path: string, user?: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { redirect: 'manual', headers: { ...(user ? { cookie: `user=${user}` } : {}), ...headers } });

/** Every page: 200 HTML under the strict CSP, no style attribute, no script but Beacon's own, and valid. */
async function page(path: string, user = ALICE): Promise<string> {
  const res = await get(signedIn.url, path, user);
  const body = await res.text();
  expect(res.status, body.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(csp).toContain("style-src 'self'");
  expect(res.headers.get('cache-control')).toBe('no-store');
  await expectValid(body);
  return body;
}

async function expectValid(body: string): Promise<void> {
  expect(body).not.toMatch(/\sstyle\s*=/i);
  for (const tag of body.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/^<script nonce="[^"]+" src="\/assets\/localtime\.js\?v=[\w-]+" defer>$/);
  const report = await validator.validateString(body);
  expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`))).toEqual([]);
}

/** The incident numbers of the list's rows, in order. */
const rowNumbers = (body: string) => [...body.matchAll(/<td class="num">#(\d+)<\/td>/g)].map((m) => Number(m[1]));

describe('without Sign in with Slack (SLACK_CLIENT_ID unset)', () => {
  it('answers /incidents, /incidents/<id> and /insights exactly like an unknown path', async () => {
    const unknown = await get(anonymous.url, '/no-such-page');
    const expected = { status: unknown.status, type: unknown.headers.get('content-type'), body: await unknown.text() };
    expect(expected.status).toBe(404);
    for (const path of ['/incidents', '/incidents/', '/incidents/incres', '/incidents/incpriv', '/insights', '/', '/auth/slack']) {
      for (const user of [undefined, ALICE]) {
        const res = await get(anonymous.url, path, user);
        expect({ status: res.status, type: res.headers.get('content-type'), body: await res.text() }, path).toEqual(expected);
      }
    }
  });

  it('still serves the assets, and the postmortem to webhook credentials only', async () => {
    expect((await get(anonymous.url, '/assets/beacon.css')).status).toBe(200);
    expect((await get(anonymous.url, '/incidents/incres/postmortem.md', ALICE)).status).toBe(401);
    expect((await get(anonymous.url, '/incidents/incres/postmortem.md', undefined, { authorization: `Bearer ${WEBHOOK_TOKEN}` })).status).toBe(200);
  });
});

describe('signed out', () => {
  it('is sent to sign in, coming back to the page it asked for', async () => {
    for (const path of ['/incidents?status=open&q=checkout', '/incidents/incres', '/incidents/nosuchid']) {
      const res = await get(signedIn.url, path);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/auth/slack?return_to=${encodeURIComponent(path)}`);
    }
    const authRoute = await get(signedIn.url, '/auth/slack');
    expect(await authRoute.text()).toBe('the sign-in page');
    expect((await get(signedIn.url, '/')).headers.get('location')).toBe('/incidents');
  });
});

describe('GET /incidents', () => {
  it('lists open incidents first, then the newest; a private one only for members of its channel; drills never', async () => {
    const asAlice = await page('/incidents');
    expect(rowNumbers(asAlice)).toEqual([3, 2, 5, 1, 6]);
    const asBob = await page('/incidents', BOB);
    expect(rowNumbers(asBob)).toEqual([2, 5, 1, 6]);
    expect(asBob).not.toContain('Payroll');
    expect(asBob).not.toContain('payroll'); // not even as a service in the filter
    expect(asBob).not.toContain('incpriv');
    expect(asAlice).toContain('<a href="/incidents/incpriv">Payroll export leaked</a> <span class="badge private">Private</span>');
    expect(asAlice).not.toContain('Checkout credentials drill');
  });

  it('shows each row: number, linked title, severity, status, service, lead by name, start in UTC, duration', async () => {
    const body = await page('/incidents');
    const row = /<tr class="row-sev1">.*?<td class="num">#1<\/td>.*?<\/tr>/.exec(body)?.[0] ?? '';
    expect(row).toContain('<a href="/incidents/incres">Checkout: payments failing</a>');
    expect(row).toContain('SEV1');
    expect(row).toContain('✅ Resolved');
    expect(row).toContain('<td data-label="Service">checkout</td>');
    expect(row).toContain('<td data-label="Lead">@alice</td>');
    expect(row).toContain('<time datetime="2024-06-03T08:00:00.000Z">2024-06-03 08:00 UTC</time>');
    expect(row).toContain('<td data-label="Duration">1h 45m</td>');
    expect(body).toContain('<td data-label="Duration">4d 0h so far</td>'); // #2: open since day 1, the clock is on day 5
  });

  it('filters by status, severity, service and kind, and searches titles, in a GET form kept filled in', async () => {
    expect(rowNumbers(await page('/incidents?status=resolved'))).toEqual([5, 1, 6]);
    expect(rowNumbers(await page('/incidents?status=open'))).toEqual([3, 2]);
    expect(rowNumbers(await page('/incidents?status=triggered&severity=sev2'))).toEqual([2]);
    expect(rowNumbers(await page('/incidents?severity=sev1'))).toEqual([3, 1]);
    expect(rowNumbers(await page('/incidents?severity=sev1', BOB))).toEqual([1]);
    expect(rowNumbers(await page('/incidents?service=checkout'))).toEqual([1, 6]);
    expect(rowNumbers(await page('/incidents?q=CHECKOUT'))).toEqual([1, 6]);
    expect(rowNumbers(await page('/incidents?q=%235'))).toEqual([5]);
    expect(rowNumbers(await page('/incidents?q=payroll', BOB))).toEqual([]);
    const drills = await page('/incidents?kind=drill');
    expect(rowNumbers(drills)).toEqual([4]);
    expect(drills).toContain('Checkout credentials drill</a> <span class="badge drill">DRILL</span>');
    const form = await page('/incidents?q=check&status=resolved&service=checkout');
    expect(form).toContain('<form class="filters" method="get" action="/incidents">');
    expect(form).toContain('name="q" value="check"');
    expect(form).toContain('<option value="resolved" selected>');
    expect(form).toContain('<option value="checkout" selected>');
    expect(rowNumbers(await page('/incidents?status=&severity=&service=&kind=&q='))).toEqual([3, 2, 5, 1, 6]);
  });

  it('refuses a filter it does not know with a 400 page naming it, escaped', async () => {
    const res = await get(signedIn.url, '/incidents?status=%3Cscript%3E&severity=sev9', ALICE);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('status:');
    expect(body).toContain('severity:');
    expect(body).not.toContain('<script>');
    await expectValid(body);
  });

  it('escapes a hostile title, service and lead', async () => {
    const body = await page('/incidents');
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('<b>');
    expect(body).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;!channel&gt;');
    expect(body).toContain('@&lt;b&gt;mallory&lt;/b&gt;');
  });
});

describe('GET /incidents/<id>', () => {
  it('shows the card state: status, severity, service, lead and every role, times and durations', async () => {
    const body = await page('/incidents/incres');
    for (const part of [
      '<h1>Checkout: payments failing</h1>',
      '<p class="big-status st-resolved">✅ Resolved</p>',
      'SEV1 · critical',
      '<dt>Lead</dt><dd>@alice</dd>',
      '<dt>Comms</dt><dd>@bob</dd>',
      '<dt>Scribe</dt><dd>@carol</dd>',
      '<dt>Service</dt><dd>checkout</dd>',
      '<dt>Channel</dt><dd>#inc-20240603-checkout</dd>',
      '<time datetime="2024-06-03T08:05:00.000Z">2024-06-03 08:05 UTC</time><span class="after"> after 5m by @alice</span>',
      '<time datetime="2024-06-03T09:45:00.000Z">2024-06-03 09:45 UTC</time><span class="after"> after 1h 45m by @bob</span>',
      '<dt>Duration</dt><dd>1h 45m</dd>',
      '<p class="prose">Key rotated back</p>',
    ])
      expect(body).toContain(part);
    expect(body).toContain('<script nonce=');
  });

  it('shows the timeline in time order, in UTC <time> elements, people by name', async () => {
    const body = await page('/incidents/incres');
    const timeline = /<ol class="timeline">(.*?)<\/ol>/s.exec(body)?.[1] ?? '';
    const items = [...timeline.matchAll(/<li class="[^"]+"><span class="when"><time datetime="([^"]+)" class="clock">([^<]+)<\/time><\/span> ([^<]*)<\/li>/g)].map((m) => ({ at: m[1], text: m[3], utc: m[2] }));
    expect(items.map((i) => i.at)).toEqual([0, 5, 20, 30, 105].map((m) => at(m).toISOString()));
    expect(items[0]).toMatchObject({ utc: '08:00:00 UTC', text: 'Detected: Checkout: payments failing (alert from generic)' });
    expect(items[1]!.text).toBe('Acknowledged by @alice');
    expect(items[2]!.text).toBe('Runbook step done: Check the gateway credentials (@alice)');
    expect(items[4]!.text).toMatch(/^Resolved by @bob/);
    expect(body).toContain('All times UTC, on 2024-06-03.');
  });

  it('shows the checklist with who ticked what and when, the alerts and the changes', async () => {
    const body = await page('/incidents/incres');
    const checklist = /<section aria-labelledby="checklist">(.*?)<\/section>/s.exec(body)?.[1] ?? '';
    expect(checklist).toMatch(/<li class="done"><span class="box" aria-hidden="true">✓<\/span><span class="step"><span class="visually-hidden">Done: <\/span>[^<]+<\/span><span class="tick">ticked by @alice at <time datetime="2024-06-03T08:20:00.000Z">/);
    expect(checklist).toMatch(/\(1 of \d+ done\)/);
    expect(checklist).toContain('<li class="todo">');
    const alerts = /<section aria-labelledby="alerts">(.*?)<\/section>/s.exec(body)?.[1] ?? '';
    expect(alerts).toContain('<a href="https://grafana.example.com/d/checkout" rel="nofollow noopener noreferrer">Checkout: payments failing</a>');
    expect(alerts).toContain('🔥 firing');
    const changes = /<section aria-labelledby="changes">(.*?)<\/section>/s.exec(body)?.[1] ?? '';
    expect(changes).toContain('<strong>Credentials change</strong> to checkout at <time datetime="2024-06-03T07:48:00.000Z">');
    expect(changes).toContain('Rotate payment gateway API key <span class="muted">(deploy-bot)</span>');
  });

  it('renders the postmortem draft (no raw HTML) and links its Markdown, which a signed-in viewer can download', async () => {
    const body = await page('/incidents/incres');
    const pm = /<section aria-labelledby="postmortem">(.*)<\/section>/s.exec(body)?.[1] ?? '';
    expect(pm).toContain('<a class="button" href="/incidents/incres/postmortem.md" download="postmortem-incres.md">');
    expect(pm).toContain('<h3>Issue Summary</h3>');
    expect(pm).toContain('<h3>Timeline</h3>');
    expect(pm).toContain('Rotate payment gateway API key');
    const md = await get(signedIn.url, '/incidents/incres/postmortem.md', ALICE);
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(md.headers.get('cache-control')).toBe('no-store');
    const text = await md.text();
    expect(text).toContain('## Issue Summary');
    expect(text).toContain('Checkout: payments failing');
    const bearer = await get(signedIn.url, '/incidents/incres/postmortem.md', undefined, { authorization: `Bearer ${WEBHOOK_TOKEN}` });
    expect(await bearer.text()).toBe(text);
    expect((await get(signedIn.url, '/incidents/incres/postmortem.md')).status).toBe(401);
    expect((await get(signedIn.url, '/incidents/incres/postmortem.md', ALICE, { authorization: 'Bearer wrong' })).status).toBe(401);
    const browser = await get(signedIn.url, '/incidents/incres/postmortem.md', undefined, { accept: 'text/html,*/*' });
    expect(browser.status).toBe(302);
  });

  it('escapes everything a hostile incident carries, and drops javascript: links', async () => {
    const body = await page('/incidents/incevil');
    expect(body).not.toMatch(/<script>|<img|<b>|href="javascript:/i);
    expect(body).toContain('[click](javascript:alert(1)) &lt;img src=x onerror=alert(2)&gt;'); // text, not a link
    for (const part of [
      '<h1>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;!channel&gt;</h1>',
      '&lt;img src=x onerror=alert(3)&gt;',
      '&lt;script&gt;alert(5)&lt;/script&gt;',
      '<a href="#" rel="nofollow noopener noreferrer">bad &lt;link&gt;</a>',
      '<dt>Lead</dt><dd>@&lt;b&gt;mallory&lt;/b&gt;</dd>',
    ])
      expect(body).toContain(part);
  });

  it('answers a private incident to a non-member with the very 404 of an unknown id, also for its Markdown', async () => {
    const unknown = await get(signedIn.url, '/incidents/nosuchid', BOB);
    const hidden = await get(signedIn.url, '/incidents/incpriv', BOB);
    expect(unknown.status).toBe(404);
    expect(hidden.status).toBe(404);
    const strip = (s: string) => s.replace(/nonce="[^"]+"/g, '');
    const unknownBody = await unknown.text();
    expect(strip(await hidden.text())).toBe(strip(unknownBody));
    await expectValid(unknownBody);
    expect(unknownBody).not.toContain('Payroll');
    const member = await page('/incidents/incpriv', ALICE);
    expect(member).toContain('<h1>Payroll export leaked</h1>');
    const mdHidden = await get(signedIn.url, '/incidents/incpriv/postmortem.md', BOB);
    const mdUnknown = await get(signedIn.url, '/incidents/nosuchid/postmortem.md', BOB);
    expect([mdHidden.status, await mdHidden.text()]).toEqual([mdUnknown.status, await mdUnknown.text()]);
    expect(mdHidden.status).toBe(404);
    expect((await get(signedIn.url, '/incidents/incpriv/postmortem.md', ALICE)).status).toBe(200);
  });

  it('shows a drill, marked DRILL, and a declared incident without alerts', async () => {
    const drill = await page('/incidents/incdrill');
    expect(drill).toContain('<span class="badge drill">DRILL</span>');
    const declared = await page('/incidents/incopen');
    expect(declared).toContain('No alerts: this incident was declared.');
    expect(declared).toContain('<p class="big-status st-triggered">🚨 Triggered</p>');
  });
});

describe('/assets', () => {
  it('serves the stylesheet and the script with their types and a long cache for the versioned URL', async () => {
    const body = await page('/incidents');
    const css = /href="(\/assets\/beacon\.css\?v=[\w-]+)"/.exec(body)?.[1];
    const js = /src="(\/assets\/localtime\.js\?v=[\w-]+)"/.exec(body)?.[1];
    expect(css && js).toBeTruthy();
    const cssRes = await get(signedIn.url, css!);
    expect(cssRes.status).toBe(200);
    expect(cssRes.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(cssRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await cssRes.text()).toContain('prefers-color-scheme: dark');
    const jsRes = await get(signedIn.url, js!);
    expect(jsRes.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(jsRes.headers.get('x-content-type-options')).toBe('nosniff');
    const again = await get(signedIn.url, css!, undefined, { 'if-none-match': cssRes.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect((await get(signedIn.url, '/assets/beacon.css')).headers.get('cache-control')).toBe('public, max-age=300');
    for (const bad of ['/assets/nothing.css', '/assets/..%2Fhtml.ts', '/assets/../html.ts', '/assets/']) expect((await get(signedIn.url, bad)).status, bad).toBe(404);
  });
});

describe('Markdown on a page', () => {
  it('keeps raw HTML as text, drops javascript: links, and writes table alignment as a class, not a style', async () => {
    const out = markdownHtml(['# Title', '', '<script>alert(1)</script>', '', '[x](javascript:alert(1)) [ok](https://example.com/a)', '', '| a | b |', '|:--|--:|', '| 1 | 2 |'].join('\n'), 1).value;
    expect(out).toContain('<h2>Title</h2>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toMatch(/href="javascript:/);
    expect(out).toContain('<a href="https://example.com/a" rel="nofollow noopener noreferrer">ok</a>');
    expect(out).not.toMatch(/style=/);
    expect(out).toContain('<th class="align-left">a</th>');
    expect(out).toContain('<td class="align-right">2</td>');
  });
});

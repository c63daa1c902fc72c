import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { HtmlValidate } from 'html-validate';
import { Redis } from 'ioredis';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { OTHER_TEAM, SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/dev/slack-sim/oidc.js';
import { createHttpServer } from '../../src/http/server.js';
import { sendJson } from '../../src/http/respond.js';
import { Keys } from '../../src/keys.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { createWebAuth, type WebAuth, type WebAuthDeps } from '../../src/web/auth/index.js';
import { slackServerMetadata } from '../../src/web/auth/oidc.js';
import { localPath } from '../../src/web/auth/sign-in-state.js';
import { BOT_TOKEN, SIGNING_SECRET, cleanup, startBeacon, testRedisUrl, uniquePrefix } from '../support/beacon.js';

/**
 * Issue 14, Sign in with Slack, without a browser: the whole OpenID Connect flow over HTTP
 * against the simulator's Slack (authorize page, openid.connect.token, openid.connect.userInfo,
 * JWKS), the redirects followed by hand, and every way in that must stay shut.
 */
const SESSION_SECRET = 'test-session-secret-7d1c9b3a5e8f2046b1a9c3d5';
const ALICE = 'U0000001';
const BOB = 'U0000002';

interface Site {
  url: string;
  auth: WebAuth;
  server: Server;
  keys: Keys;
}

let sim: SlackSimulator;
let redis: Redis;
let logs = '';
let nowMs = Date.now();
const sites: Site[] = [];
/** Every response body and header seen by the tests (secrets must never be in them). */
const seen: string[] = [];
/** Every HTML page seen (refusals, the simulator's authorize page): each must pass the validator. */
const pages = new Map<string, string>();

const log = createLogger({
  level: 'debug',
  // No scrubbing: a secret that reaches the log must show up here.
  secrets: [],
  out: new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  }),
});

/** Beacon's HTTP server with only the sign-in routes and two probes: who am I, am I in this channel. */
async function site(over: Partial<WebAuthDeps> = {}): Promise<Site> {
  const keys = new Keys(uniquePrefix('auth'));
  const auth = createWebAuth({
    oidc: { clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, oauthUrl: sim.url.replace(/api\/$/, ''), sessionSecret: SESSION_SECRET },
    port: 0,
    slackApiUrl: sim.url,
    botToken: BOT_TOKEN,
    redis,
    keys,
    log,
    now: () => new Date(nowMs),
    ...over,
  });
  const probe = async (req: Parameters<WebAuth['route']>[0], res: Parameters<WebAuth['route']>[1], url: URL) => {
    if (url.pathname === '/whoami') {
      const who = await auth.viewer(req);
      if (!who) auth.signIn(res, '/whoami?from=probe');
      else sendJson(res, 200, who);
      return true;
    }
    const channel = /^\/member\/(\w+)\/(\w+)$/.exec(url.pathname);
    if (channel) {
      sendJson(res, 200, { member: await auth.isMember({ userId: channel[1]!, teamId: sim.teamId, name: '' }, channel[2]!) });
      return true;
    }
    return false;
  };
  const server = createHttpServer({ webhooks: {} as never, metrics: createMetrics(), log, ready: async () => true, extraRoutes: [(q, s, u) => auth.route(q, s, u), probe] });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth, server, keys };
  sites.push(s);
  return s;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers });
  await record(res);
  return res;
}

async function record(res: Response): Promise<void> {
  const text = await res.clone().text();
  seen.push(JSON.stringify([...res.headers.entries()].filter(([k]) => k !== 'set-cookie')), text);
  if ((res.headers.get('content-type') ?? '').startsWith('text/html')) pages.set(`${res.status} ${/<title>([^<]*)/.exec(text)?.[1]}`, text);
}

const cookiesOf = (res: Response) => res.headers.getSetCookie();
const cookie = (res: Response, name: string) => cookiesOf(res).find((c) => c.startsWith(`${name}=`));
const pair = (setCookie: string) => setCookie.split(';')[0]!;

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The simulator's authorize page: its form's hidden fields, and the people one can sign in as. */
function formOf(page: string): { fields: URLSearchParams; people: string[] } {
  const fields = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(unescape(m[1]!), unescape(m[2]!));
  const people = [...page.matchAll(/<button type="submit" name="user" value="([^"]*)">/g)].map((m) => unescape(m[1]!));
  return { fields, people };
}

interface Flow {
  authorize: URL;
  stateCookie: string;
  /** Where Slack sent the browser back: Beacon's callback with code and state. */
  callback: URL;
}

/** `/auth/slack`, then the simulator's authorize page, choosing `who` (`<team>:<user>`) or cancelling. */
async function toSlackAndBack(s: Site, who: string | 'cancel', next = '/incidents/abc123'): Promise<Flow> {
  const start = await get(`${s.url}/auth/slack?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(302);
  const stateCookie = pair(cookie(start, 'beacon_sign_in')!);
  const authorize = new URL(start.headers.get('location')!);
  const page = await get(authorize.href);
  expect(page.status).toBe(200);
  const { fields, people } = formOf(await page.text());
  if (who === 'cancel') fields.set('cancel', '1');
  else {
    expect(people).toContain(who);
    fields.set('user', who);
  }
  const decided = await fetch(new URL('/openid/connect/authorize', authorize), { method: 'POST', body: fields, redirect: 'manual' });
  expect(decided.status).toBe(302);
  return { authorize, stateCookie, callback: new URL(decided.headers.get('location')!) };
}

/** Back at Beacon: the callback with this browser's sign-in cookie. */
const finish = (s: Site, f: Flow, stateCookie = f.stateCookie) => get(`${s.url}${f.callback.pathname}${f.callback.search}`, { cookie: stateCookie });

async function signIn(s: Site, user = ALICE): Promise<{ session: string; res: Response }> {
  const res = await finish(s, await toSlackAndBack(s, `${sim.teamId}:${user}`));
  expect(res.status).toBe(303);
  return { session: pair(cookie(res, 'beacon_session')!), res };
}

const whoami = async (s: Site, session?: string) => {
  const res = await get(`${s.url}/whoami`, session ? { cookie: session } : {});
  return res.status === 200 ? ((await res.json()) as { viewer: { userId: string; teamId: string; name: string }; csrf: string }) : null;
};

const logout = (s: Site, session: string | undefined, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/auth/logout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(session ? { cookie: session } : {}), ...headers },
    body: new URLSearchParams(form),
  }).then(async (r) => (await record(r), r));

beforeAll(async () => {
  sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  await sim.start();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
});

afterEach(() => {
  nowMs = Date.now();
});

afterAll(async () => {
  for (const s of sites) {
    await new Promise<void>((resolve) => {
      s.server.close(() => resolve());
      s.server.closeAllConnections();
    });
    await cleanup(redis, s.keys.prefix);
  }
  redis?.disconnect();
  await sim?.stop();
});

describe('signing in with Slack', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site();
  });

  it("sends the browser to Slack's authorize page with state, nonce and the openid scopes", async () => {
    const start = await get(`${s.url}/auth/slack?next=/incidents/abc123`);
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${sim.url.replace(/api\/$/, '')}openid/connect/authorize`);
    const q = Object.fromEntries(to.searchParams);
    expect(q).toMatchObject({ client_id: SIM_CLIENT_ID, response_type: 'code', scope: 'openid profile email', redirect_uri: `${s.url}/auth/slack/callback`, team: sim.teamId });
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(q.nonce).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(q.code_challenge).toBeUndefined();
    const state = cookie(start, 'beacon_sign_in')!;
    expect(state).toBe(`beacon_sign_in=${q.state}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax`);
    // Kept single-use in Redis for ten minutes, with the nonce and where to come back to.
    const stored = await redis.get(s.keys.webSignIn(q.state!));
    expect(JSON.parse(stored!)).toMatchObject({ nonce: q.nonce, returnTo: '/incidents/abc123', redirectUri: q.redirect_uri });
    expect(await redis.ttl(s.keys.webSignIn(q.state!))).toBeGreaterThan(590);
  });

  it('comes back signed in: a session cookie (HttpOnly, SameSite=Lax, 12 h, not Secure on http) and the page asked for', async () => {
    const { session, res } = await signIn(s);
    expect(res.headers.get('location')).toBe('/incidents/abc123');
    const set = cookie(res, 'beacon_session')!;
    expect(set.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Lax']);
    expect(cookie(res, 'beacon_sign_in')).toMatch(/^beacon_sign_in=; Max-Age=0;/);
    // The cookie is an HS256 JWT holding a session id and its expiry, nothing about the person.
    const claims = decodeJwt(session.split('=')[1]!);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sid']);
    expect(claims.exp! - claims.iat!).toBe(43_200);
    expect(await redis.ttl(s.keys.webSession(claims.sid as string))).toBeGreaterThan(43_100);
    const who = await whoami(s, session);
    expect(who?.viewer).toEqual({ userId: ALICE, teamId: sim.teamId, name: 'Alice Adams' });
    expect(who?.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Both methods were asked, the app authenticated by client_secret_post.
    const token = sim.callsTo('openid.connect.token').at(-1)!;
    expect(token.params).toMatchObject({ client_id: SIM_CLIENT_ID, grant_type: 'authorization_code', redirect_uri: `${s.url}/auth/slack/callback` });
    expect(token.ok).toBe(true);
    expect(sim.callsTo('openid.connect.userInfo').at(-1)!.ok).toBe(true);
  });

  it('without a session, a page sends the browser to sign in and come back', async () => {
    const res = await get(`${s.url}/whoami`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/auth/slack?next=${encodeURIComponent('/whoami?from=probe')}`);
  });

  it('comes back only to a page of this site', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/%5Cevil', 'javascript:alert(1)', '/auth/logout', '']) {
      expect(localPath(next), next).toMatch(/^\/(incidents|%5Cevil)$/);
    }
    expect(localPath('/incidents?status=open#x')).toBe('/incidents?status=open');
    const f = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`, '//evil.example/');
    const res = await finish(s, f);
    expect(res.headers.get('location')).toBe('/incidents');
  });

  it('refuses a callback whose state is not this browser’s', async () => {
    const f = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    const other = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    const noCookie = await get(`${s.url}${f.callback.pathname}${f.callback.search}`);
    const wrongCookie = await finish(s, f, other.stateCookie);
    const forged = new URL(f.callback);
    forged.searchParams.set('state', 'forged-state-value');
    const wrongQuery = await get(`${s.url}${forged.pathname}${forged.search}`, { cookie: f.stateCookie });
    for (const res of [noCookie, wrongCookie, wrongQuery]) {
      expect(res.status).toBe(400);
      expect(cookie(res, 'beacon_session')).toBeUndefined();
      const page = await res.text();
      expect(page).toContain('Sign-in could not be finished');
      expect(page).toContain('href="/auth/slack?next=%2Fincidents"');
    }
    // None of these redeemed the code.
    expect(sim.callsTo('openid.connect.token').filter((c) => c.params.code === f.callback.searchParams.get('code'))).toEqual([]);
  });

  it('refuses a replayed callback, and a code Slack already redeemed', async () => {
    const f = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    expect((await finish(s, f)).status).toBe(303);
    const again = await finish(s, f);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already been used');
    // The same code with a fresh state of this browser: Slack answers invalid_code.
    const fresh = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    const replay = new URL(fresh.callback);
    replay.searchParams.set('code', f.callback.searchParams.get('code')!);
    const res = await get(`${s.url}${replay.pathname}${replay.search}`, { cookie: fresh.stateCookie });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Slack did not confirm the sign-in');
    expect(sim.callsTo('openid.connect.token').at(-1)!.error).toBe('invalid_code');
    expect(cookie(res, 'beacon_session')).toBeUndefined();
  });

  it("refuses a person of another workspace (another team's token)", async () => {
    const f = await toSlackAndBack(s, `${OTHER_TEAM.id}:${OTHER_TEAM.users[0]!.id}`);
    const res = await finish(s, f);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('different Slack workspace');
    expect(cookie(res, 'beacon_session')).toBeUndefined();
    // Slack did vouch for them: it is Beacon's team check that refused.
    expect(sim.callsTo('openid.connect.userInfo').at(-1)!.ok).toBe(true);
  });

  it('refuses an id_token that fails any check: signature, audience, issuer, nonce, expiry', async () => {
    for (const fault of ['unknown_key', 'wrong_audience', 'wrong_issuer', 'wrong_nonce', 'expired'] as const) {
      sim.signIn.tamperNextIdToken(fault);
      const res = await finish(s, await toSlackAndBack(s, `${sim.teamId}:${ALICE}`));
      expect(res.status, fault).toBe(401);
      expect(await res.text()).toContain('could not be verified');
      expect(cookie(res, 'beacon_session'), fault).toBeUndefined();
    }
  });

  it('tells a refused userInfo from a Slack that cannot be reached', async () => {
    sim.failNext('openid.connect.userInfo', { error: 'invalid_auth' });
    const refused = await finish(s, await toSlackAndBack(s, `${sim.teamId}:${ALICE}`));
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('Slack did not confirm the sign-in');
    sim.failNext('openid.connect.token', { status: 503 });
    const down = await finish(s, await toSlackAndBack(s, `${sim.teamId}:${ALICE}`));
    expect(down.status).toBe(502);
    expect(await down.text()).toContain('Slack could not be reached');
    for (const res of [refused, down]) expect(cookie(res, 'beacon_session')).toBeUndefined();
  });

  it('says so when the person cancels on Slack', async () => {
    const res = await finish(s, await toSlackAndBack(s, 'cancel'));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Sign-in cancelled');
  });
});

describe('the session cookie', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site();
  });

  it('refuses a tampered or forged cookie', async () => {
    const { session } = await signIn(s);
    const [name, jwt] = session.split('=') as [string, string];
    const [head, body, sig] = jwt.split('.') as [string, string, string];
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
    const claims = decodeJwt(jwt);
    const otherKey = new TextEncoder().encode('another-secret-that-is-long-enough-000000');
    const forged = await new SignJWT({ sid: claims.sid }).setProtectedHeader({ alg: 'HS256' }).setIssuer('beacon').setAudience('beacon-web-session').setIssuedAt().setExpirationTime('1h').sign(otherKey);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`;
    const longer = `${head}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp! + 86_400 })).toString('base64url')}.${sig}`;
    for (const bad of [`${head}.${body}.${flipped}`, forged, none, longer, 'garbage', '']) {
      expect(await whoami(s, `${name}=${bad}`), bad).toBeNull();
    }
    expect(await whoami(s, session)).not.toBeNull();
  });

  it('expires after 12 hours', async () => {
    const { session } = await signIn(s);
    nowMs += 12 * 3600_000 - 60_000;
    expect(await whoami(s, session)).not.toBeNull();
    nowMs += 61_000;
    expect(await whoami(s, session)).toBeNull();
  });

  it('is gone once its session is revoked in Redis, even while the cookie still verifies', async () => {
    const { session } = await signIn(s);
    await redis.del(s.keys.webSession(decodeJwt(session.split('=')[1]!).sid as string));
    expect(await whoami(s, session)).toBeNull();
  });
});

describe('signing out', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site();
  });

  it('ends the session: the same cookie no longer signs anyone in', async () => {
    const { session } = await signIn(s);
    const { csrf } = (await whoami(s, session))!;
    const res = await logout(s, session, { csrf }, { origin: s.url });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/status');
    expect(cookie(res, 'beacon_session')).toMatch(/^beacon_session=; Max-Age=0;/);
    expect(await redis.exists(s.keys.webSession(decodeJwt(session.split('=')[1]!).sid as string))).toBe(0);
    expect(await whoami(s, session)).toBeNull();
  });

  it('refuses a sign-out without the right CSRF token, or from another site, and keeps the session', async () => {
    const { session } = await signIn(s);
    const { csrf } = (await whoami(s, session))!;
    const other = await signIn(s, BOB);
    const otherCsrf = (await whoami(s, other.session))!.csrf;
    const attempts = [
      await logout(s, session, {}),
      await logout(s, session, { csrf: 'x'.repeat(43) }),
      await logout(s, session, { csrf: otherCsrf }),
      await logout(s, session, { csrf }, { origin: 'https://evil.example' }),
      await logout(s, session, { csrf }, { origin: 'null' }),
      await logout(s, session, { csrf }, { referer: 'https://evil.example/page' }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Sign-out refused');
      expect(cookie(res, 'beacon_session')).toBeUndefined();
    }
    expect(await whoami(s, session)).not.toBeNull();
    const huge = await logout(s, session, { csrf: 'x'.repeat(10_000) });
    expect(huge.status).toBe(413);
    expect((await logout(s, session, { csrf }, { referer: `${s.url}/incidents` })).status).toBe(303);
    expect(await whoami(s, session)).toBeNull();
  });

  it('answers 405 to GET /auth/logout', async () => {
    const res = await get(`${s.url}/auth/logout`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('behind an https PUBLIC_URL', () => {
  it('uses it for the redirect and the origin check, and marks the cookies Secure with __Host- names', async () => {
    const s = await site({ publicUrl: 'https://beacon.example.com' });
    const start = await get(`${s.url}/auth/slack`);
    const to = new URL(start.headers.get('location')!);
    expect(to.searchParams.get('redirect_uri')).toBe('https://beacon.example.com/auth/slack/callback');
    expect(cookie(start, '__Host-beacon_sign_in')).toMatch(/; Secure$/);
    const page = formOf(await (await get(to.href)).text());
    page.fields.set('user', `${sim.teamId}:${ALICE}`);
    const back = new URL((await fetch(new URL('/openid/connect/authorize', to), { method: 'POST', body: page.fields, redirect: 'manual' })).headers.get('location')!);
    expect(back.origin).toBe('https://beacon.example.com');
    const res = await get(`${s.url}${back.pathname}${back.search}`, { cookie: pair(cookie(start, '__Host-beacon_sign_in')!) });
    expect(res.status).toBe(303);
    const set = cookie(res, '__Host-beacon_session')!;
    expect(set).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    const session = pair(set);
    const { csrf } = (await whoami(s, session))!;
    expect((await logout(s, session, { csrf }, { origin: s.url })).status).toBe(403);
    expect((await logout(s, session, { csrf }, { origin: 'https://beacon.example.com' })).status).toBe(303);
  });
});

describe('PKCE, when asked for', () => {
  it('sends an S256 challenge, and the simulator checks the verifier', async () => {
    const s = await site({ pkce: true });
    const f = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    expect(f.authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(f.authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Redeemed without the verifier, the code is refused (and used up).
    const direct = await fetch(`${sim.url}openid.connect.token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET, code: f.callback.searchParams.get('code')!, redirect_uri: `${s.url}/auth/slack/callback`, code_verifier: 'x'.repeat(43) }),
    });
    expect(await direct.json()).toEqual({ ok: false, error: 'invalid_grant' });
    const ok = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    expect((await finish(s, ok)).status).toBe(303);
    expect(sim.callsTo('openid.connect.token').at(-1)!.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('channel membership', () => {
  it('asks conversations.members, page by page, and keeps the answer 30 s', async () => {
    const s = await site();
    const crowd = Array.from({ length: 1500 }, (_, i) => `U9${String(i).padStart(6, '0')}`);
    const ch = sim.addChannel({ name: `private-${uniquePrefix('m')}`, isPrivate: true, members: [sim.botUserId, ALICE, ...crowd] });
    const member = async (user: string) => ((await (await get(`${s.url}/member/${user}/${ch.id}`)).json()) as { member: boolean }).member;
    const calls = () => sim.callsTo('conversations.members').filter((c) => c.params.channel === ch.id).length;
    expect(await member(crowd.at(-1)!)).toBe(true);
    expect(calls()).toBe(2);
    expect(await member(ALICE)).toBe(true);
    expect(await member(BOB)).toBe(false);
    expect(calls()).toBe(2);
    nowMs += 30_000;
    expect(await member(BOB)).toBe(false);
    expect(calls()).toBe(4);
    const hidden = sim.addChannel({ name: `hidden-${uniquePrefix('m')}`, isPrivate: true, members: [ALICE] });
    expect(((await (await get(`${s.url}/member/${ALICE}/${hidden.id}`)).json()) as { member: boolean }).member).toBe(false);
  });
});

describe("the simulator's Sign in with Slack", () => {
  it("publishes the same endpoints Beacon configures, and Beacon's defaults are Slack's own", async () => {
    const origin = sim.url.replace(/\/api\/$/, '');
    const discovery = (await (await fetch(`${origin}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const ours = slackServerMetadata(`${origin}/`, sim.url);
    for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const) expect(ours[k], k).toBe(discovery[k]);
    expect(discovery.token_endpoint_auth_methods_supported).toContain('client_secret_post');
    expect(slackServerMetadata('https://slack.com/', 'https://slack.com/api/')).toMatchObject({
      issuer: 'https://slack.com',
      authorization_endpoint: 'https://slack.com/openid/connect/authorize',
      token_endpoint: 'https://slack.com/api/openid.connect.token',
      userinfo_endpoint: 'https://slack.com/api/openid.connect.userInfo',
      jwks_uri: 'https://slack.com/openid/connect/keys',
    });
    const jwks = (await (await fetch(`${origin}/openid/connect/keys`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it("refuses an unknown client or redirect_uri on its page, and answers openid.connect.token's errors as Slack does", async () => {
    const strict = new SlackSimulator({ botToken: BOT_TOKEN, redirectUrls: ['https://beacon.example.com/auth/slack/callback'] });
    const api = await strict.start();
    try {
      const origin = api.replace(/\/api\/$/, '');
      const authorize = (q: Record<string, string>) => fetch(`${origin}/openid/connect/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid', ...q })}`, { redirect: 'manual' });
      expect((await authorize({ client_id: 'nope', redirect_uri: 'https://beacon.example.com/auth/slack/callback' })).status).toBe(400);
      expect((await authorize({ client_id: SIM_CLIENT_ID, redirect_uri: 'https://evil.example/auth/slack/callback' })).status).toBe(400);
      const badScope = await authorize({ client_id: SIM_CLIENT_ID, redirect_uri: 'https://beacon.example.com/auth/slack/callback', scope: 'profile', state: 's1' });
      expect(badScope.status).toBe(302);
      expect(Object.fromEntries(new URL(badScope.headers.get('location')!).searchParams)).toEqual({ error: 'invalid_scope', state: 's1' });
      const token = async (args: Record<string, string>) => (await fetch(`${api}openid.connect.token`, { method: 'POST', body: new URLSearchParams(args) })).json();
      expect(await token({ client_id: 'nope', client_secret: SIM_CLIENT_SECRET, code: 'x' })).toEqual({ ok: false, error: 'invalid_client_id' });
      expect(await token({ client_id: SIM_CLIENT_ID, client_secret: 'wrong', code: 'x' })).toEqual({ ok: false, error: 'bad_client_secret' });
      expect(await token({ client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET, code: 'x' })).toEqual({ ok: false, error: 'invalid_code' });
      const userInfo = await fetch(`${api}openid.connect.userInfo`, { headers: { authorization: `Bearer ${BOT_TOKEN}` } });
      expect(await userInfo.json()).toEqual({ ok: false, error: 'invalid_auth' });
    } finally {
      await strict.stop();
    }
  });

  it('refuses a redeemed code given with another redirect_uri', async () => {
    const s = await site();
    const f = await toSlackAndBack(s, `${sim.teamId}:${ALICE}`);
    const res = await fetch(`${sim.url}openid.connect.token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET, code: f.callback.searchParams.get('code')!, redirect_uri: 'https://evil.example/cb' }),
    });
    expect(await res.json()).toEqual({ ok: false, error: 'bad_redirect_uri' });
  });
});

describe('configuration', () => {
  it('will not talk plain http to Slack anywhere but this machine', () => {
    expect(() =>
      createWebAuth({
        oidc: { clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, oauthUrl: 'http://slack.example.com/', sessionSecret: SESSION_SECRET },
        port: 0,
        slackApiUrl: 'https://slack.com/api/',
        botToken: BOT_TOKEN,
        redis,
        keys: new Keys('unused'),
        log,
        now: () => new Date(),
      }),
    ).toThrow(/must be https/);
  });

  it('without SLACK_CLIENT_ID, the sign-in routes and every signed-in page answer 404', async () => {
    const b = await startBeacon({ worker: false });
    try {
      for (const path of ['/auth/slack', '/auth/slack/callback?code=x&state=y', '/auth/logout', '/incidents', '/incidents/abc123', '/insights', '/']) {
        expect((await fetch(`${b.url}${path}`, { redirect: 'manual' })).status, path).toBe(404);
      }
      const post = await fetch(`${b.url}/auth/logout`, { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) });
      expect(post.status).toBe(404);
    } finally {
      await b.close();
    }
  });

  it('with SLACK_CLIENT_ID, Beacon itself signs people in through the simulator', async () => {
    const b = await startBeacon({
      worker: false,
      sim,
      env: { SLACK_CLIENT_ID: SIM_CLIENT_ID, SLACK_CLIENT_SECRET: SIM_CLIENT_SECRET, SLACK_OAUTH_URL: sim.url.replace(/api\/$/, ''), SESSION_SECRET },
    });
    try {
      const list = await fetch(`${b.url}/incidents`, { redirect: 'manual' });
      expect(list.status).toBe(303);
      expect(list.headers.get('location')).toBe('/auth/slack?next=%2Fincidents');
      const s = { url: b.url } as Site;
      const res = await finish(s, await toSlackAndBack(s, `${sim.teamId}:${ALICE}`, '/incidents'));
      expect(res.status).toBe(303);
      const page = await fetch(`${b.url}/incidents`, { headers: { cookie: pair(cookie(res, 'beacon_session')!) } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Alice Adams');
      expect(b.logs()).not.toContain(SIM_CLIENT_SECRET);
      expect(b.logs()).not.toContain(SESSION_SECRET);
    } finally {
      await b.close();
    }
  });
});

describe('the pages', () => {
  it('are valid HTML, each refusal and the authorize page', async () => {
    expect([...pages.keys()].length).toBeGreaterThan(8);
    const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
    for (const [name, text] of pages) {
      const report = await validator.validateString(text);
      expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), name).toEqual([]);
    }
  });
});

describe('secrets', () => {
  it('never appear in a response or the log', () => {
    const codes = sim.callsTo('openid.connect.token').map((c) => String(c.params.code)).filter((c) => c.length > 20);
    expect(codes.length).toBeGreaterThan(5);
    const everything = `${seen.join('\n')}\n${logs}`;
    for (const secret of [SIM_CLIENT_SECRET, SESSION_SECRET, BOT_TOKEN, 'xoxp-', ...codes]) expect(everything).not.toContain(secret);
    expect(logs).toContain('signed in with Slack');
  });
});

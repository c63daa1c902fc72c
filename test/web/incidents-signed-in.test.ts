import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/dev/slack-sim/oidc.js';
import { BOT_TOKEN, SIGNING_SECRET, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { ALICE, CAROL, alertIncident, command, doc, general, opened, type Opened } from '../e2e/lifecycle-helpers.js';
import { signInThroughSimulator } from './incidents-sign-in.js';

/**
 * Issue 14, the incident pages in a whole Beacon: web and worker with Sign in with Slack on the
 * simulator's Slack (SLACK_CLIENT_ID set), incidents made the real way (an alert, a `/incident ack`,
 * a `/incident declare --private`), people signed in for real, a private channel's membership asked
 * of Slack. No browser: the lead's browser test looks at the same pages.
 */
describe('incident pages behind Sign in with Slack', () => {
  const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
  let b: TestBeacon;
  let sim: SlackSimulator;
  let pub: Opened;
  let priv: Opened;
  const sessions: Record<string, string> = {};

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    const apiUrl = await sim.start();
    b = await startBeacon({
      sim,
      env: { SLACK_CLIENT_ID: SIM_CLIENT_ID, SLACK_CLIENT_SECRET: SIM_CLIENT_SECRET, SESSION_SECRET: 'incident-pages-session-secret-0123456789abcdef', SLACK_OAUTH_URL: apiUrl.replace(/api\/$/, '') },
    });
    pub = await alertIncident(b, 'webpage');
    await command(b, pub.channelId, ALICE, 'ack');
    await waitFor(async () => (await doc(b, pub.incidentId)).status === 'acknowledged', { what: 'acknowledged' });
    await command(b, general(b), CAROL, 'declare --private Secret payroll leak sev2');
    priv = await opened(b, /secret-payroll-leak$/);
    for (const user of [ALICE, CAROL]) sessions[user] = await signInThroughSimulator(b.url, sim.teamId, user);
  });
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  const get = (path: string, user?: string) => fetch(`${b.url}${path}`, { redirect: 'manual', headers: user ? { cookie: sessions[user]! } : {} });

  async function page(path: string, user: string): Promise<string> {
    const res = await get(path, user);
    const body = await res.text();
    expect(res.status, body.slice(0, 200)).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const report = await validator.validateString(body);
    expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
    expect(body).not.toMatch(/\sstyle\s*=/i);
    return body;
  }

  it('sends a visitor without a session to sign in, coming back to the page', async () => {
    const res = await get(`/incidents/${pub.incidentId}`);
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toBe(`/auth/slack?next=${encodeURIComponent(`/incidents/${pub.incidentId}`)}`);
  });

  it('lists the private incident to a member of its channel only, and answers its URL 404 to anyone else', async () => {
    const alice = await page('/incidents', ALICE);
    expect(alice).toContain(`<a href="/incidents/${pub.incidentId}">Lifecycle webpage</a>`);
    expect(alice).not.toContain('Secret payroll leak');
    expect(alice).not.toContain(priv.incidentId);
    const carol = await page('/incidents', CAROL);
    expect(carol).toContain(`<a href="/incidents/${priv.incidentId}">Secret payroll leak</a> <span class="badge private">Private</span>`);
    const hidden = await get(`/incidents/${priv.incidentId}`, ALICE);
    const unknown = await get('/incidents/nosuchincident', ALICE);
    expect([hidden.status, unknown.status]).toEqual([404, 404]);
    expect((await hidden.text()).replace(/nonce="[^"]+"/g, '')).toBe((await unknown.text()).replace(/nonce="[^"]+"/g, ''));
    expect((await get(`/incidents/${priv.incidentId}/postmortem.md`, ALICE)).status).toBe(404);
    expect(await page(`/incidents/${priv.incidentId}`, CAROL)).toContain('<h1>Secret payroll leak</h1>');
  });

  it('shows a real incident: its state, its timeline in order, and its postmortem to download', async () => {
    const body = await page(`/incidents/${pub.incidentId}`, ALICE);
    expect(body).toContain('<p class="big-status st-acknowledged">👀 Acknowledged</p>');
    expect(body).toContain('<dt>Lead</dt><dd>@alice</dd>');
    const timeline = /<ol class="timeline">(.*?)<\/ol>/s.exec(body)?.[1] ?? '';
    const times = [...timeline.matchAll(/<time datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]!));
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    const detected = timeline.indexOf('Detected: Lifecycle webpage');
    const acked = timeline.indexOf('Acknowledged by @alice');
    expect(detected).toBeGreaterThanOrEqual(0);
    expect(acked).toBeGreaterThan(detected);
    const md = await get(`/incidents/${pub.incidentId}/postmortem.md`, ALICE);
    expect(md.status).toBe(200);
    expect(await md.text()).toContain('## Timeline');
  });
});

import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/** Signs as Slack does, independently of Beacon's verifier. */
function sign(secret: string, ts: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
}

/** Issue #7: Slack signatures on every path, 413 on every route, untrusted text escaped. */
describe('security', () => {
  let b: TestBeacon;
  // Signature tests run against web alone, so anything a rejected request queued would still be
  // in the queue to count.
  let web: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
    web = await startBeacon({ worker: false });
  });
  afterAll(async () => {
    await b?.close();
    await web?.close();
  });

  const queuedJobs = async () => {
    const p = keysOf(web).queuePrefix;
    const counts = await Promise.all(['intake', 'incidents'].map((q) => web.redis.llen(`${p}:${q}:wait`)));
    return counts.reduce((a, n) => a + n, 0);
  };
  const now = () => Math.floor(Date.now() / 1000);
  const payloads: [string, string, string][] = [
    ['slash command', 'application/x-www-form-urlencoded', new URLSearchParams({ command: '/incident', text: 'declare Fake outage sev1', user_id: 'U0000001', channel_id: 'C123', trigger_id: 't.1', response_url: 'http://127.0.0.1:1/x' }).toString()],
    ['block action', 'application/x-www-form-urlencoded', new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: 'U0000001' }, actions: [{ action_id: 'incident.resolve', value: 'x' }], trigger_id: 't.2' }) }).toString()],
    ['event', 'application/json', JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'reaction_added', reaction: 'pushpin', user: 'U1', item: { type: 'message', channel: 'C1', ts: '1.1' } } })],
    ['url verification', 'application/json', JSON.stringify({ type: 'url_verification', challenge: 'abc', token: 'x' })],
  ];

  describe.each(payloads)('%s', (_name, contentType, body) => {
    const send = async (headers: Record<string, string>) => {
      const before = await queuedJobs();
      const res = await fetch(`${web.url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
      // A rejected request leaves nothing behind.
      if (res.status === 401) expect(await queuedJobs()).toBe(before);
      return res;
    };

    it('401 without a signature', async () => {
      expect((await send({})).status).toBe(401);
      expect((await send({ 'x-slack-request-timestamp': String(now()) })).status).toBe(401);
    });
    it('401 with a wrong signature', async () => {
      const ts = now();
      expect((await send({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign('not-the-secret', ts, body) })).status).toBe(401);
      // Right secret, but a body other than the one signed.
      expect((await send({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(SIGNING_SECRET, ts, `${body} `) })).status).toBe(401);
    });
    it('401 with a stale (over 5 minutes) or future timestamp, even correctly signed', async () => {
      const old = now() - 301;
      expect((await send({ 'x-slack-request-timestamp': String(old), 'x-slack-signature': sign(SIGNING_SECRET, old, body) })).status).toBe(401);
      const future = now() + 400;
      expect((await send({ 'x-slack-request-timestamp': String(future), 'x-slack-signature': sign(SIGNING_SECRET, future, body) })).status).toBe(401);
    });
    it('is accepted when signed correctly (the control)', async () => {
      const ts = now();
      const res = await send({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(SIGNING_SECRET, ts, body) });
      expect(res.status).toBe(200);
    });
  });

  it.each([
    '/slack/events',
    '/webhooks/alertmanager',
    '/webhooks/grafana',
    '/webhooks/datadog',
    '/webhooks/pagerduty',
    '/webhooks/generic',
    '/webhooks/changes',
    '/pagerduty/v2/enqueue',
    '/pagerduty/v2/change/enqueue',
    '/opsgenie/v2/alerts',
    '/webhooks/github',
    '/webhooks/vault',
  ])('413 for a body over 1 MiB on %s', async (path) => {
    const res = await b.post(path, null, { raw: `{"x":"${'a'.repeat(1024 * 1024)}"}` });
    expect(res.status).toBe(413);
  });

  it('an alert titled <!channel> <!here> <@U123> pings nobody: every Slack call escapes it', async () => {
    const hostile = '<!channel> <!here> <@U123> <!everyone> <!subteam^S123>';
    const before = b.sim.calls.length;
    await b.post(
      '/webhooks/generic',
      checkoutAlert({
        title: `Hostile ${hostile}`,
        service: `svc ${hostile}`,
        group: 'hostile',
        fingerprint: 'hostile',
        description: `desc ${hostile} & <https://evil.example|click>`,
        labels: { note: hostile },
      }),
    );
    const ch = await waitFor(() => b.sim.channels().find((c) => c.name.includes('hostile')), { what: 'channel' });
    await waitFor(() => b.sim.messages(ch.id).length >= 2);
    await waitFor(() => b.sim.callsTo('conversations.setTopic').some((c) => c.params.channel === ch.id));
    const sent = JSON.stringify(b.sim.calls.slice(before).map((c) => c.params));
    for (const needle of ['<!channel>', '<!here>', '<@U123>', '<!everyone>', '<!subteam', '<https://evil.example']) {
      expect(sent.includes(needle), `${needle} reached Slack unescaped`).toBe(false);
    }
    expect(sent).toContain('&lt;!channel&gt;');
    // And as a person sees it: the literal text, not a mention.
    expect(b.sim.transcript(ch.id)).toContain('<!channel>');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, baseEnv, checkoutAlert, waitFor } from '../support/beacon.js';
import { freePort } from '../../src/dev/local-redis.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';

/** Issue #2, "done when" 4: start-up refusals and secrets kept out of logs, as real processes. */
describe('processes', () => {
  it('web without SLACK_BOT_TOKEN exits non-zero with one line naming it', async () => {
    const env = baseEnv();
    delete (env as Record<string, string | undefined>).SLACK_BOT_TOKEN;
    const child = runEntry('src/web.ts', env);
    const { code } = await child.exited;
    expect(code).not.toBe(0);
    expect(child.output().trim()).toMatch(/^config: SLACK_BOT_TOKEN is required/);
    expect(child.output().trim().split('\n')).toHaveLength(1);
  });

  describe('secrets never reach the log', () => {
    let sim: SlackSimulator;
    let child: Child;
    let port: number;
    const secrets = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      WEBHOOK_TOKEN,
      PAGERDUTY_WEBHOOK_SECRET: 'pd-secret-value-77aa99',
      GRAFANA_WEBHOOK_SECRET: 'grafana-secret-value-33cc11',
    };
    beforeAll(async () => {
      sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
      await sim.start();
      port = await freePort();
      child = runEntry('src/main.ts', baseEnv({ ...secrets, SLACK_API_URL: sim.url, PORT: String(port), LOG_LEVEL: 'trace' }));
      await waitForOutput(child, /worker running/);
      sim.setRequestUrl(`http://127.0.0.1:${port}/slack/events`);
    });
    afterAll(async () => {
      await child?.kill('SIGKILL');
      await sim?.stop();
    });

    it('after alerts, bad credentials, Slack calls and commands at trace level', async () => {
      const url = `http://127.0.0.1:${port}`;
      const post = (path: string, body: unknown, headers: Record<string, string>) =>
        fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      expect((await post('/webhooks/generic', checkoutAlert(), { authorization: `Bearer ${WEBHOOK_TOKEN}` })).status).toBe(202);
      const basic = Buffer.from(`alertmanager:${WEBHOOK_TOKEN}`).toString('base64');
      expect((await post('/webhooks/generic', checkoutAlert({ title: 'second' }), { authorization: `Basic ${basic}` })).status).toBe(202);
      expect((await post('/webhooks/generic', checkoutAlert(), { authorization: `Bearer ${WEBHOOK_TOKEN}x` })).status).toBe(401);
      expect((await post('/webhooks/pagerduty', {}, { 'x-pagerduty-signature': 'v1=00' })).status).toBe(401);
      const ch = await waitFor(() => sim.channels().find((c) => c.name.includes('checkout')), { what: 'channel' });
      const res = await sim.slashCommand({ text: 'ack', channelId: ch.id, userId: 'U0000001' });
      expect(res.status).toBe(200);
      await waitFor(() => sim.messages(ch.id).some((m) => /acknowledged/.test(m.text)), { what: 'ack announced' });
      await child.kill('SIGTERM');
      const out = child.output();
      expect(out.length).toBeGreaterThan(1000); // it did log, at trace level
      for (const [name, value] of Object.entries(secrets)) {
        expect(out.includes(value), `${name} leaked into the log`).toBe(false);
      }
    });
  });
});

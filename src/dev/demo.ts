/**
 * `npm run demo`: the whole loop offline. A private redis-server, the Slack simulator and Beacon
 * (web and worker) in one process; it replays the seed incident (a credentials change, checkout
 * payments failing, responders working it from Slack, resolution) and prints what responders
 * would see in Slack and the postmortem Beacon drafted.
 */
import { Writable } from 'node:stream';
import { loadConfig, secretValues } from '../config.js';
import { createLogger } from '../log.js';
import { startWeb, startWorker, type Running } from '../wiring.js';
import { NO_REDIS_HINT, haveRedisServer, startRedisServer, type RedisHandle } from './local-redis.js';
import { SlackSimulator, type SimChannel, type SimFileRef } from './slack-simulator.js';

const BOT_TOKEN = 'xoxb-demo-0000-beacon';
const SIGNING_SECRET = 'demo-signing-secret';
const WEBHOOK_TOKEN = 'demo-webhook-token-0123456789';

const say = (s = '') => process.stdout.write(`${s}\n`);
const rule = (title: string) => say(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);

async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeout = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the demo started, to drive and to stop. */
interface Demo {
  redis: RedisHandle | undefined;
  sim: SlackSimulator;
  web: Running;
  worker: Running;
  /** POSTs JSON to one of Beacon's webhooks, with the webhook token. */
  post(path: string, body: unknown): Promise<{ status: number; body: string }>;
}

/** A private Redis (unless REDIS_URL is given), the Slack simulator, Beacon's web and worker. */
async function startAll(): Promise<Demo> {
  if (!process.env.REDIS_URL && !haveRedisServer()) {
    process.stderr.write(`${NO_REDIS_HINT}\n`);
    process.exit(1);
  }
  const redis = process.env.REDIS_URL ? undefined : await startRedisServer();
  const sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  const apiUrl = await sim.start();
  const config = loadConfig(
    {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      WEBHOOK_TOKEN,
      SLACK_API_URL: apiUrl,
      REDIS_URL: process.env.REDIS_URL ?? redis!.url,
      REDIS_KEY_PREFIX: `demo-${Date.now().toString(36)}`,
      PORT: '0',
      INCIDENT_RESPONDERS: 'U0000001,U0000002',
      LOG_LEVEL: 'warn',
    },
    'all',
  );
  // Beacon's own log goes to stderr so stdout shows only what people would see.
  const log = createLogger({ level: config.logLevel, secrets: secretValues(config), out: process.stderr as unknown as Writable });
  const web = await startWeb({ config, log });
  const worker = await startWorker({ config, log });
  const base = `http://127.0.0.1:${web.port}`;
  sim.setRequestUrl(`${base}/slack/events`);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  return { redis, sim, web, worker, post };
}

/** The credentials change and, twelve minutes later, the alert; then the incident channel Beacon opens. */
async function changeAndAlert({ sim, post }: Demo): Promise<SimChannel> {
  const now = Date.now();
  rule('08:18  a routine update changes the payment gateway credentials');
  const change = {
    service: 'checkout',
    kind: 'credentials',
    summary: 'Rotate payment gateway API key during routine update',
    author: 'deploy-bot',
    version: 'v2024.06.03-1',
    at: new Date(now - 12 * 60_000).toISOString(),
  };
  say(`POST /webhooks/changes  ${JSON.stringify(change)}`);
  say(`-> ${JSON.stringify(await post('/webhooks/changes', change))}`);

  rule('08:30  monitoring fires: successful transactions drop');
  const alert = {
    title: 'Checkout: successful payment transactions dropped 60%',
    severity: 'critical',
    service: 'checkout',
    fingerprint: 'checkout-payment-success-rate',
    description: 'payment_success_rate fell from 99% to 38% in 5 minutes; gateway answers 401 to charge requests.',
    link: 'https://grafana.example.com/d/checkout/payments',
    labels: { team: 'payments', env: 'prod', alertname: 'PaymentSuccessRateLow' },
  };
  say(`POST /webhooks/generic  ${JSON.stringify(alert)}`);
  say(`-> ${JSON.stringify(await post('/webhooks/generic', alert))}`);

  const channel = await waitFor(() => sim.channels().find((c) => c.name.includes('checkout')), 'the incident channel');
  await waitFor(
    () => sim.messages(channel.id).length >= 2 && sim.messages(channel.id).some((m) => /\bAlerts\b/.test(m.text)),
    'the card and alerts message',
  );
  // Give the debounced alerts refresh time to settle.
  await new Promise((r) => setTimeout(r, 2000));
  return channel;
}

/** alice and bob work the incident from Slack through to resolution; the postmortem Beacon uploads then. */
async function respond({ sim }: Demo, channel: SimChannel): Promise<SimFileRef> {
  const cmd = async (userId: string, text: string) => {
    const res = await sim.slashCommand({ text, channelId: channel.id, userId, userName: userId === 'U0000001' ? 'alice' : 'bob' });
    say(`${userId === 'U0000001' ? 'alice' : 'bob  '}: /incident ${text}  -> HTTP ${res.status}${res.ms !== undefined ? ` in ${res.ms} ms` : ''}`);
  };
  const settle = () => new Promise((r) => setTimeout(r, 400));

  rule('responders work the incident from Slack');
  await cmd('U0000001', 'ack');
  await waitFor(() => sim.messages(channel.id).some((m) => /acknowledged/.test(m.text)), 'the acknowledgement');
  await cmd('U0000001', 'note Server health and logs look normal: CPU 30%, no errors from web tier');
  await cmd('U0000002', 'note Customer complaints via support confirm checkout failures');
  await tickFirstCheck(sim, channel);
  await cmd('U0000001', 'update Gateway answers 401 since 08:30; the 08:18 credentials rotation is the suspect. Restoring the previous key.');
  await cmd('U0000002', 'task Add monitoring on payment gateway API calls that alerts on authentication failures');
  await cmd('U0000002', 'task Move gateway credentials to a vault with automated rotation and auditing');
  await settle();
  await cmd('U0000001', 'mitigate Correct credentials restored');
  await waitFor(() => /Mitigated/.test(sim.transcript(channel.id)), 'mitigation');
  await cmd('U0000001', 'resolve Reverted to the correct payment gateway API credentials');
  const file = await waitFor(
    () => sim.messages(channel.id).flatMap((m) => m.files ?? []).find((f) => /^postmortem-/.test(f.name ?? '')),
    'the postmortem upload',
  );
  await waitFor(() => /Resolved/.test(sim.transcript(channel.id)), 'the card update');
  await settle();
  return file;
}

/** alice ticks the first checklist step, as she would in Slack. */
async function tickFirstCheck(sim: SlackSimulator, channel: SimChannel): Promise<void> {
  const checklist = await waitFor(
    () => sim.messages(channel.id).find((m) => JSON.stringify(m.blocks ?? []).includes('checklist:checkout-payments:0')),
    'the checklist',
  );
  const box = (checklist.blocks as { block_id?: string; elements?: { options?: { value: string }[] }[] }[]).find((bl) => bl.block_id === 'checklist:checkout-payments:0');
  const first = box?.elements?.[0]?.options?.[0]?.value;
  if (first) {
    const res = await sim.blockAction({ userId: 'U0000001', channelId: channel.id, messageTs: checklist.ts, actionId: 'checklist.toggle', blockId: 'checklist:checkout-payments:0', type: 'checkboxes', selectedOptions: [{ value: first }] });
    say(`alice: ticks "verify the gateway credentials" on the checklist  -> HTTP ${res.status}`);
  }
}

/** What responders see in the channel, the postmortem Beacon drafted, and the Slack calls it made. */
function printResults({ sim }: Demo, channel: SimChannel, file: SimFileRef): void {
  rule(`Slack: #${channel.name}`);
  say(`members: ${channel.members.join(', ')}`);
  say(`topic:   ${sim.channel(channel.id)?.topic.value ?? ''}`);
  say(`pinned:  ${sim.channel(channel.id)?.pins.length ?? 0} message(s)`);
  say('');
  say(sim.transcript(channel.id));

  rule(`${file.name} (uploaded to the channel on resolve)`);
  say(sim.fileContent(file.id)?.toString('utf8') ?? '(file content missing)');
  rule('Slack API calls Beacon made');
  const counts = new Map<string, number>();
  for (const c of sim.calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
  say([...counts].map(([m, n]) => `${m} ×${n}`).join(', '));
}

async function shutDown({ redis, sim, web, worker }: Demo): Promise<void> {
  await worker.close();
  await web.close();
  await sim.stop();
  await redis?.stop();
}

async function main() {
  const demo = await startAll();
  say('Beacon demo: offline, with a local Slack simulator and a private Redis.');
  const channel = await changeAndAlert(demo);
  const file = await respond(demo, channel);
  printResults(demo, channel, file);
  await shutDown(demo);
  say('\nDemo finished.');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

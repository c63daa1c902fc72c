import { request, Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/local-redis.js';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { Keys } from '../../src/keys.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, baseEnv, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';

function poster(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  const send = (body: unknown) =>
    new Promise<number>((resolve) => {
      const data = JSON.stringify(body);
      const req = request(
        { host: '127.0.0.1', port, path: '/webhooks/generic', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-length': Buffer.byteLength(data) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0)); // refused or reset: not accepted
      req.end(data);
    });
  return { send, close: () => agent.destroy() };
}

async function recordedCount(b: TestBeacon, prefix: string, namePart: string): Promise<number> {
  const keys = new Keys(prefix);
  let n = 0;
  for (const ch of b.sim.channels().filter((c) => c.name.includes(namePart))) {
    const id = await b.redis.get(keys.channel(ch.id));
    if (!id) continue;
    for (const s of await b.redis.hvals(keys.incidentAlerts(id))) n += (JSON.parse(s) as { count: number }).count;
  }
  return n;
}

/** Issue #7: a worker SIGKILLed mid-job loses nothing; SIGTERM during load loses no accepted alert. */
describe('process deaths under load', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;
  const children: Child[] = [];
  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    b = await startBeacon({ sim, worker: false });
  });
  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await b?.close();
    await sim?.stop();
  });

  it('a worker SIGKILLed in the middle of 600 alerts: every one counted exactly once after restart', async () => {
    const env = baseEnv({ SLACK_API_URL: sim.url, REDIS_KEY_PREFIX: b.config.redis.prefix, JOB_LOCK_SECONDS: '2', LOG_LEVEL: 'info', WORKER_CONCURRENCY: '4' });
    const first = runEntry('src/worker.ts', env);
    children.push(first);
    await waitForOutput(first, /worker running/);
    const { port } = new URL(b.url);
    const p = poster(Number(port));
    const statuses = await Promise.all(
      Array.from({ length: 600 }, (_, i) => p.send({ title: `Kill test ${i % 3}`, group: `kill-${i % 3}`, fingerprint: `kill-${i % 3}-${i % 40}`, description: `n=${i}` })),
    );
    p.close();
    expect(statuses.every((s) => s === 202)).toBe(true);
    const prefix = b.config.redis.prefix;
    await waitFor(async () => (await recordedCount(b, prefix, 'kill-test')) >= 150, { what: 'a quarter processed', timeout: 60_000, interval: 20 });
    await first.kill('SIGKILL');
    const mid = await recordedCount(b, prefix, 'kill-test');
    expect(mid).toBeLessThan(600); // it really died mid-way

    const second = runEntry('src/worker.ts', env);
    children.push(second);
    await waitFor(async () => (await recordedCount(b, prefix, 'kill-test')) === 600, { what: 'all 600 counted', timeout: 90_000, interval: 200 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await recordedCount(b, prefix, 'kill-test')).toBe(600); // and not one more
    expect(sim.channels().filter((c) => c.name.includes('kill-test'))).toHaveLength(3);
    await second.kill('SIGTERM');
  });

  it('SIGTERM during load: in-flight requests finish, every 202 is kept, exit 0', async () => {
    const port = await freePort();
    const env = baseEnv({ SLACK_API_URL: sim.url, REDIS_KEY_PREFIX: b.config.redis.prefix, PORT: String(port), LOG_LEVEL: 'info' });
    const main = runEntry('src/main.ts', env);
    children.push(main);
    await waitForOutput(main, /worker running/);
    const p = poster(port);
    let sent = 0;
    const statuses: number[] = [];
    let stop = false;
    const load = Promise.all(
      Array.from({ length: 10 }, async () => {
        while (!stop) {
          const i = sent++;
          statuses.push(await p.send({ title: 'Term test', group: 'term', fingerprint: `term-${i}`, description: `n=${i}` }));
        }
      }),
    );
    await waitFor(() => statuses.filter((s) => s === 202).length >= 200, { what: '200 accepted', timeout: 30_000 });
    main.proc.kill('SIGTERM');
    const exit = await main.exited;
    stop = true;
    await load;
    p.close();
    expect(exit.code).toBe(0);
    expect(main.output()).toMatch(/shutting down/);
    const accepted = statuses.filter((s) => s === 202).length;
    expect(statuses.filter((s) => s !== 202 && s !== 0 && s !== 503)).toEqual([]);

    // A fresh worker finishes whatever the stopped one left queued.
    const worker = runEntry('src/worker.ts', { ...env, PORT: '0' });
    children.push(worker);
    await waitFor(async () => (await recordedCount(b, b.config.redis.prefix, 'term-test')) === accepted, {
      what: `all ${accepted} accepted alerts recorded`,
      timeout: 90_000,
      interval: 200,
    });
    await worker.kill('SIGTERM');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { Keys } from '../../src/keys.js';
import { LOCK_MARGIN_MS } from '../../src/probes/service.js';
import { BOT_TOKEN, SIGNING_SECRET, baseEnv, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';

/**
 * Issue 12: a worker SIGKILLed in the middle of a probe run does not stop the probe's schedule:
 * of two workers running, the one that was not running the probe goes on running it every
 * period, no process started after the kill (the schedule lives in Redis, the dead run's lock
 * expires after the check's timeout and a margin). Each worker sends its name in a header read
 * from its own environment, so the gateway knows which one asked.
 */
describe('a worker killed mid-probe', () => {
  let gateway: Server;
  let hold = true;
  const arrivals: { at: number; worker: string }[] = [];
  let dir: string;
  let sim: SlackSimulator;
  let b: TestBeacon;
  const children: Child[] = [];

  beforeAll(async () => {
    gateway = createServer((req, res) => {
      arrivals.push({ at: Date.now(), worker: String(req.headers['x-worker']) });
      // While `hold` is set the gateway never answers: the run is in flight when its worker dies.
      if (hold) return;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const port = (gateway.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'beacon-probe-kill-'));
    writeFileSync(
      join(dir, 'gateway.md'),
      `---\nname: gateway\ntitle: Gateway\nmatch:\n  service: checkout\nchecks:\n  up:\n    type: http\n    url: http://127.0.0.1:${port}/health\n    headers:\n      X-Worker: { env: PROBE_WORKER }\n    timeout_ms: 3000\n    every: 10s\n---\n\n# Gateway\n\n## Steps\n\n- [ ] The gateway answers {check: up}\n`,
    );
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    b = await startBeacon({ sim, worker: false, env: { RUNBOOKS_DIR: dir } });
  });
  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await b?.close();
    await sim?.stop();
    gateway?.closeAllConnections();
    await new Promise((r) => gateway?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = async (name: string) => {
    const env = baseEnv({ SLACK_API_URL: sim.url, REDIS_KEY_PREFIX: b.config.redis.prefix, JOB_LOCK_SECONDS: '2', RUNBOOKS_DIR: dir, LOG_LEVEL: 'info', PROBE_WORKER: name });
    const child = runEntry('src/worker.ts', env);
    children.push(child);
    await waitForOutput(child, /worker running/);
    return child;
  };

  it('keeps the schedule: the next periods run on the surviving worker', async () => {
    const names = ['worker-a', 'worker-b'] as const;
    const started = await Promise.all(names.map((n) => startWorker(n)));
    const workers: Record<string, Child> = Object.fromEntries(names.map((n, i) => [n, started[i]!]));
    // A run reaches the gateway (within one period), and its worker dies while it waits.
    await waitFor(() => (arrivals.length > 0 ? true : undefined), { what: 'a probe run in flight', timeout: 15_000, interval: 100 });
    const { at: runAt, worker: victim } = arrivals[0]!;
    expect(names).toContain(victim);
    const survivor = names.find((n) => n !== victim);
    await workers[victim]!.kill('SIGKILL');
    hold = false;
    const killedAt = Date.now();
    // The dead run's lock is still held, and expires by itself: the check's timeout and the margin.
    const lock = new Keys(b.config.redis.prefix).probeLock('gateway:up');
    expect(await b.redis.pttl(lock)).toBeGreaterThan(0);
    await waitFor(async () => ((await b.redis.exists(lock)) ? undefined : true), { what: 'the dead run\'s lock expired', timeout: 3000 + LOCK_MARGIN_MS + 1000, interval: 100 });
    expect(Date.now() - runAt).toBeLessThan(3000 + LOCK_MARGIN_MS + 1500);
    // Two more periods' runs reach the gateway after the kill, asked by the surviving worker.
    await waitFor(() => (arrivals.filter((r) => r.at > killedAt).length >= 2 ? true : undefined), { what: 'runs after the kill', timeout: 30_000, interval: 200 });
    const after = arrivals.filter((r) => r.at > killedAt);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after.map((r) => r.worker)).toEqual(after.map(() => survivor));
    expect(children).toHaveLength(2);
  }, 60_000);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues } from '../../src/jobs/queues.js';
import { Keys } from '../../src/keys.js';
import { startWorker, type RunningWorker } from '../../src/wiring.js';
import { createLogger } from '../../src/log.js';
import { WEBHOOK_TOKEN, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { probeRunner } from '../support/probes.js';
import { doc, opened } from '../e2e/lifecycle-helpers.js';
import { keysOf, timelineEvents } from '../support/builders.js';

/**
 * Issue 12, done when 1: a probe against a local gateway that answers 200, then 401. After
 * `open_after` failures one incident opens with the probe's title, its runbook, the failing step
 * marked and the change before the first failure in "what changed"; it stays one incident while
 * the probe keeps failing or flaps; `close_after` passes resolve the alert (not the incident);
 * two workers never run the probe at the same moment; the schedule outlives a worker.
 */
const RUNBOOK = (port: number) => `---
name: gateway
title: Payment gateway credentials
match:
  service: checkout
severity: sev1
checks:
  gateway-auth:
    type: http
    url: http://127.0.0.1:${port}/v1/balance
    expect: 200
    timeout_ms: 2000
    every: 10s
    open_after: 2
    close_after: 2
    title: payment gateway
---

# Payment gateway credentials

## Steps

- [ ] Verify the payment gateway accepts our credentials {check: gateway-auth}
- [ ] Compare the key in the secret store with what checkout runs
`;

describe('probes', () => {
  let gateway: Server;
  let mode: 'ok' | 'deny' = 'ok';
  let hits = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let dir: string;
  let b: TestBeacon;
  let queues: Queues;
  let conn: Redis;
  let second: RunningWorker | undefined;

  beforeAll(async () => {
    gateway = createServer((req, res) => {
      hits++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Slow enough that two runs at once would overlap.
      setTimeout(() => {
        inFlight--;
        res.writeHead(mode === 'ok' ? 200 : 401, { 'content-type': 'application/json' });
        res.end(mode === 'ok' ? '{"object":"balance"}' : '{"error":"invalid api key"}');
      }, 150);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'beacon-probes-'));
    writeFileSync(join(dir, 'gateway.md'), RUNBOOK((gateway.address() as AddressInfo).port));
    b = await startBeacon({ env: { RUNBOOKS_DIR: dir, WORKER_CONCURRENCY: '4' } });
    conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    queues = new Queues(conn, new Keys(b.config.redis.prefix));
  });
  afterAll(async () => {
    await second?.close();
    await queues?.close();
    conn?.disconnect();
    await b?.close();
    await new Promise((r) => gateway?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const runProbe = probeRunner(() => queues, { runbook: 'gateway', check: 'gateway-auth' });
  const probeChannels = () => b.sim.channels().filter((c) => /payment-gateway/.test(c.name));

  it('is scheduled once for the cluster, every 10 s, offset within the period', async () => {
    const schedulers = await queues.queueOf('probe.run').getJobSchedulers(0, -1);
    const mine = schedulers.filter((s) => s.key === 'probe-gateway:gateway-auth');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.every).toBe(10_000);
    expect(mine[0]!.offset ?? 0).toBeLessThan(10_000);
  });

  it('opens one incident after open_after failures, with the probe in its first messages', async () => {
    await runProbe();
    expect(probeChannels()).toHaveLength(0);
    // The credentials are rotated; the change is recorded, then the gateway starts refusing.
    const change = { service: 'checkout', kind: 'credentials', summary: 'Rotated the payment gateway API key', author: 'vault', at: new Date(Date.now() - 60_000).toISOString() };
    expect((await b.post('/webhooks/changes', change, { auth: `Bearer ${WEBHOOK_TOKEN}` })).status).toBe(202);
    await sleep(300);
    mode = 'deny';
    await runProbe();
    expect(probeChannels()).toHaveLength(0);
    const hitsAtOpen = hits + 1;
    await runProbe();
    const o = await opened(b, /payment-gateway/);
    const inc = await doc(b, o.incidentId);
    expect(inc.title).toBe('checkout: payment gateway: credentials rejected (HTTP 401)');
    expect(inc.severity).toBe('sev1');
    expect(inc.service).toBe('checkout');
    expect(inc.runbook).toBe('gateway');
    const text = (ts: string | undefined) => JSON.stringify(b.sim.messages(o.channelId).find((m) => m.ts === ts)?.blocks ?? []);
    const d = await waitFor(async () => {
      const cur = await doc(b, o.incidentId);
      return cur.slack.messages.checklist && cur.slack.messages.changes ? cur : undefined;
    }, { what: 'first messages' });
    expect(text(d.slack.messages.changes)).toContain('Rotated the payment gateway API key');
    // The failing step is marked from the first render of the checklist.
    const checklistCalls = b.sim.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.params).includes('checklist:gateway:0'));
    expect(JSON.stringify(checklistCalls[0]?.params)).toContain('credentials rejected');
    // The opening's own check run leaves the probe's check out: the gateway is not asked again and
    // the timeline has the probe's result once.
    await sleep(500);
    expect(hits).toBe(hitsAtOpen);
    const checks = (await timelineEvents<{ kind: string; text?: string }>(b.redis, keysOf(b), o.incidentId)).filter((e) => e.kind === 'check.result');
    expect(checks.filter((e) => /credentials rejected/.test(String(e.text)))).toHaveLength(1);

    // Still failing: still one incident.
    await runProbe();
    await runProbe();
    await sleep(500);
    expect(probeChannels()).toHaveLength(1);
  });

  it('resolves the alert after close_after passes, keeps the incident, and a flap joins it', async () => {
    const ch = probeChannels()[0]!;
    const incidentId = (await b.redis.get(new Keys(b.config.redis.prefix).channel(ch.id)))!;
    mode = 'ok';
    await runProbe();
    await runProbe();
    const alertState = async () => {
      const all = await b.redis.hvals(new Keys(b.config.redis.prefix).incidentAlerts(incidentId));
      return all.map((v) => JSON.parse(v) as { status: string })[0]?.status;
    };
    await waitFor(async () => ((await alertState()) === 'resolved' ? true : undefined), { what: 'alert resolved' });
    expect((await doc(b, incidentId)).status).not.toBe('resolved');
    // It flaps: failing again joins the open incident, never a second one.
    mode = 'deny';
    await runProbe();
    await runProbe();
    await waitFor(async () => ((await alertState()) === 'firing' ? true : undefined), { what: 'alert firing again' });
    expect(probeChannels()).toHaveLength(1);
  });

  it('exposes its state in /metrics', async () => {
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/beacon_probe_up\{runbook="gateway",check="gateway-auth"\} 0/);
    expect(metrics).toMatch(/beacon_probe_duration_seconds\{runbook="gateway",check="gateway-auth"\} \d/);
    await waitFor(async () => (/beacon_probe_runs_total\{runbook="gateway",check="gateway-auth",outcome="fail"\} [1-9]/.test(await (await fetch(`${b.url}/metrics`)).text()) ? true : undefined), { what: 'runs counted' });
  });

  it('never runs twice at once across two workers, and its schedule outlives a worker', async () => {
    second = await startWorker({ config: b.config, log: createLogger({ level: 'silent', secrets: [] }) });
    const q = queues.queueOf('probe.run');
    // Between two scheduled runs: nobody holds the probe's lock.
    const lock = new Keys(b.config.redis.prefix).probeLock('gateway:gateway-auth');
    await waitFor(async () => (inFlight === 0 && !(await b.redis.exists(lock)) ? true : undefined), { what: 'probe idle' });
    maxInFlight = 0;
    const hitsBefore = hits;
    await Promise.all(Array.from({ length: 8 }, (_, i) => queues.add('probe.run', { runbook: 'gateway', check: 'gateway-auth' }, { jobId: `burst-${i}` })));
    await waitFor(async () => ((await Promise.all(Array.from({ length: 8 }, (_, i) => q.getJob(`burst-${i}`).then((j) => j?.isCompleted())))).every(Boolean) ? true : undefined), { what: 'burst done', timeout: 20_000 });
    expect(hits).toBeGreaterThan(hitsBefore);
    expect(maxInFlight).toBe(1);

    // The worker that started with Beacon goes away; the second one keeps the schedule running.
    await b.worker!.close();
    const before = hits;
    await waitFor(() => (hits > before ? true : undefined), { what: 'a scheduled run by the remaining worker', timeout: 15_000, interval: 200 });
  }, 60_000);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/runbooks/check-cli.js';
import { parseRunbook } from '../../src/runbooks/format/parser.js';
import { Queues } from '../../src/jobs/queues.js';
import { Keys } from '../../src/keys.js';
import { LOCK_MARGIN_MS } from '../../src/probes/service.js';
import { sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue 12 (audit): a probe whose `timeout_ms` (20 s) is longer than its `every` (10 s), against a
 * server that answers in 15 s. A run's lock outlasts the run whatever `every` is, so the periods
 * that come while a run is still going are skipped (and counted so), never run beside it.
 */
const RUNBOOK = (port: number) => `---
name: slow
title: Slow upstream
match:
  service: slow
checks:
  up:
    type: http
    url: http://127.0.0.1:${port}/
    timeout_ms: 20000
    every: 10s
---

# Slow upstream

## Steps

- [ ] The upstream answers {check: up}
`;

const ANSWER_MS = 15_000;

describe('a probe run longer than its period', () => {
  let server: Server;
  let hits = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let firstAt = 0;
  let dir: string;
  let b: TestBeacon;
  let conn: Redis;
  let queues: Queues;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      firstAt ||= Date.now();
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end('ok');
      }, ANSWER_MS);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'beacon-probe-overlap-'));
    writeFileSync(join(dir, 'slow.md'), RUNBOOK((server.address() as AddressInfo).port));
    b = await startBeacon({ env: { RUNBOOKS_DIR: dir, WORKER_CONCURRENCY: '4' } });
    conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    queues = new Queues(conn, new Keys(b.config.redis.prefix));
  });
  afterAll(async () => {
    await queues?.close();
    conn?.disconnect();
    server?.closeAllConnections();
    await b?.close();
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lint warns that timeout_ms is not under every, at the line of timeout_ms', () => {
    const { runbook, problems } = parseRunbook(RUNBOOK(8080), 'slow.md');
    expect(runbook).toBeDefined();
    expect(problems.map(formatProblem)).toEqual([
      'slow.md:10: warning: check `up` has `timeout_ms: 20000`, not under its `every` (10s): a run can outlast the period, and the next period is then skipped; keep timeout_ms under every',
    ]);
  });

  it('never has two runs in flight: the periods during a run are skipped and counted', async () => {
    const q = queues.queueOf('probe.run');
    // A run now (or the scheduler's first period, whichever comes first) reaches the server.
    await queues.add('probe.run', { runbook: 'slow', check: 'up' }, { jobId: 'overlap-1' });
    await waitFor(() => (hits > 0 ? true : undefined), { what: 'a run in flight', timeout: 12_000, interval: 50 });
    // Past `every` (10 s, the lock of old), the run is still waiting for its answer.
    await sleep(Math.max(0, firstAt + 11_500 - Date.now()));
    const lock = new Keys(b.config.redis.prefix).probeLock('slow:up');
    const pttl = await b.redis.pttl(lock);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(20_000 + LOCK_MARGIN_MS - 11_000);
    await queues.add('probe.run', { runbook: 'slow', check: 'up' }, { jobId: 'overlap-2' });
    const second = await waitFor(async () => {
      const job = await q.getJob('overlap-2');
      return job && (await job.isCompleted()) ? job : undefined;
    }, { what: 'the second run done', timeout: 3000, interval: 50 });
    expect(second.returnvalue).toBe('busy');
    expect(Date.now()).toBeLessThan(firstAt + ANSWER_MS);
    expect(inFlight).toBe(1);
    expect(hits).toBe(1);
    expect(maxInFlight).toBe(1);
    // The scheduler's period after the first run, and overlap-2 (or overlap-1, had a period come first).
    await waitFor(async () => (/beacon_probe_runs_total\{runbook="slow",check="up",outcome="skipped"\} [2-9]/.test(await (await fetch(`${b.url}/metrics`)).text()) ? true : undefined), {
      what: 'skipped periods counted',
      timeout: 8000,
    });
  }, 40_000);
});

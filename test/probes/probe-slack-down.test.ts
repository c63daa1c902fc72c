import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues } from '../../src/jobs/queues.js';
import { Keys } from '../../src/keys.js';
import { startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue 12: probes keep running while Slack is down, and their alert queues like any alert: the
 * incident is recorded at once and its channel opens, once, when Slack answers again.
 */
describe('a probe while Slack is down', () => {
  let gateway: Server;
  let hits = 0;
  let dir: string;
  let b: TestBeacon;
  let conn: Redis;
  let queues: Queues;
  beforeAll(async () => {
    gateway = createServer((_req, res) => {
      hits++;
      res.writeHead(503).end('down');
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const port = (gateway.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'beacon-probe-slack-'));
    writeFileSync(
      join(dir, 'search.md'),
      `---\nname: search\ntitle: Search\nmatch:\n  service: search\nchecks:\n  up:\n    type: http\n    url: http://127.0.0.1:${port}/health\n    timeout_ms: 1000\n    every: 10m\n    title: search API\n---\n\n# Search\n\n## Steps\n\n- [ ] The search API answers {check: up}\n`,
    );
    b = await startBeacon({ env: { RUNBOOKS_DIR: dir } });
    conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    queues = new Queues(conn, new Keys(b.config.redis.prefix));
  });
  afterAll(async () => {
    await queues?.close();
    conn?.disconnect();
    await b?.close();
    await new Promise((r) => gateway?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs, records the incident, and opens its channel once Slack is back', async () => {
    // Slack answers 503 to every channel creation for a while (beyond the client's own retries).
    b.sim.failNext('conversations.create', { status: 503 }, 10);
    const q = queues.queueOf('probe.run');
    for (const id of ['down-1', 'down-2']) {
      await queues.add('probe.run', { runbook: 'search', check: 'up' }, { jobId: id });
      await waitFor(async () => ((await (await q.getJob(id))?.isCompleted()) ? true : undefined), { what: `probe run ${id}`, timeout: 15_000 });
    }
    expect(hits).toBe(2);
    const keys = new Keys(b.config.redis.prefix);
    // The alert went through intake while Slack was failing: the incident exists in Redis.
    const incidentId = await waitFor(() => b.redis.get(keys.openGroup('probe:search:up')), { what: 'incident recorded' });
    expect(await b.redis.hget(keys.incident(incidentId), 'doc')).toContain('search: search API: integration not answering (HTTP 503)');
    const channels = () => b.sim.channels().filter((c) => c.name.includes('search-api'));
    await waitFor(() => (channels().length === 1 ? true : undefined), { what: 'channel once Slack is back', timeout: 60_000, interval: 200 });
    expect(b.sim.callsTo('conversations.create').filter((c) => c.status === 503).length).toBe(10);
    expect(channels()).toHaveLength(1);
  }, 90_000);
});

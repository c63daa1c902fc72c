import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues } from '../../src/jobs/queues.js';
import { Keys } from '../../src/keys.js';
import type { ProbeState } from '../../src/probes/store.js';
import { sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { probeRunner } from '../support/probes.js';
import { ALICE, command, doc, opened } from '../e2e/lifecycle-helpers.js';

/**
 * Issue 12 (audit): a person resolves a probe's incident while the probe keeps failing. As
 * Alertmanager repeats a firing alert, the probe's next failing run raises its alert again, and
 * that opens a new incident; while an incident of the probe is open, never a second one.
 */
const RUNBOOK = (port: number) => `---
name: ledger
title: Ledger API
match:
  service: ledger
checks:
  api:
    type: http
    url: http://127.0.0.1:${port}/health
    timeout_ms: 2000
    every: 10s
    open_after: 1
    close_after: 2
    title: ledger api
---

# Ledger API

## Steps

- [ ] The ledger API answers {check: api}
`;

describe('a probe still failing after its incident was resolved', () => {
  let gateway: Server;
  let dir: string;
  let b: TestBeacon;
  let queues: Queues;
  let conn: Redis;
  let keys: Keys;

  beforeAll(async () => {
    gateway = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'beacon-probe-reraise-'));
    writeFileSync(join(dir, 'ledger.md'), RUNBOOK((gateway.address() as AddressInfo).port));
    b = await startBeacon({ env: { RUNBOOKS_DIR: dir, WORKER_CONCURRENCY: '4' } });
    conn = new Redis(b.config.redis.url, { maxRetriesPerRequest: null });
    keys = new Keys(b.config.redis.prefix);
    queues = new Queues(conn, keys);
  });
  afterAll(async () => {
    await queues?.close();
    conn?.disconnect();
    await b?.close();
    await new Promise((r) => gateway?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const runProbe = probeRunner(() => queues, { runbook: 'ledger', check: 'api' });
  const channels = () => b.sim.channels().filter((c) => /ledger/.test(c.name));
  const state = async () => JSON.parse((await b.redis.hget(keys.probes(), 'ledger:api')) ?? '{}') as ProbeState;

  it('opens a new incident on the next failing run, and only one while it is open', async () => {
    await runProbe();
    const first = await opened(b, /ledger/);
    await runProbe();
    await sleep(500);
    expect(channels()).toHaveLength(1);
    expect((await state()).raisedAgain).toBeUndefined();

    // A person resolves it; the probe still fails.
    await command(b, first.channelId, ALICE, 'resolve restarted the ledger');
    await waitFor(async () => ((await doc(b, first.incidentId)).status === 'resolved' ? true : undefined), { what: 'resolved' });
    await waitFor(async () => ((await b.redis.exists(keys.openGroup('probe:ledger:api'))) ? undefined : true), { what: 'group released' });
    await runProbe();
    await waitFor(() => (channels().length === 2 ? true : undefined), { what: 'a second incident', timeout: 30_000 });
    const ch = channels().find((c) => c.id !== first.channelId)!;
    const second = await opened(b, new RegExp(`^${ch.name}$`));
    expect(second.incidentId).not.toBe(first.incidentId);
    const inc = await doc(b, second.incidentId);
    expect(inc.status).not.toBe('resolved');
    expect(inc.runbook).toBe('ledger');
    expect(inc.title).toMatch(/^ledger: ledger api: /);
    expect((await state()).raisedAgain).toBe(1);

    // Still failing while the new one is open: no third incident, no further raise.
    await runProbe();
    await runProbe();
    await sleep(500);
    expect(channels()).toHaveLength(2);
    expect((await state()).raisedAgain).toBe(1);
    expect((await doc(b, first.incidentId)).status).toBe('resolved');
  }, 90_000);
});

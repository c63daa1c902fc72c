/**
 * What the probe figures (7 and 8) share: a local stand-in for a third-party gateway that records
 * when each request arrived and can start refusing one path's credentials, runbooks written into a
 * temporary RUNBOOKS_DIR, and a Beacon worker (bench/child.ts, role `worker`) started on them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { Child } from './lib.js';

/** One request the gateway answered: its path, when it arrived (Date.now()) and the status sent. */
export interface Arrival {
  path: string;
  at: number;
  status: number;
}

/**
 * The gateway: answers 200 at once, or 401 on the paths whose credentials were "rotated" by
 * deny(); records every request. Lives in the bench process, on the same clock as the Slack
 * simulator's `at`.
 */
export class Gateway {
  readonly arrivals: Arrival[] = [];
  private readonly denied = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Gateway> {
    let gw: Gateway | undefined;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const status = gw?.denied.has(path) ? 401 : 200;
      gw?.arrivals.push({ path, at: Date.now(), status });
      const body = status === 200 ? '{"object":"balance"}' : '{"error":"invalid api key"}';
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
      req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    gw = new Gateway(server, (server.address() as AddressInfo).port);
    return gw;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** From now on `path` answers 401; returns the moment of the switch (Date.now()). */
  deny(path: string): number {
    this.denied.add(path);
    return Date.now();
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** One probe of a runbook: an `http` check of `url` with `every`. */
export interface ProbeCheck {
  id: string;
  url: string;
}

export interface RunbookSpec {
  name: string;
  service: string;
  checks: ProbeCheck[];
  every: string;
  openAfter: number;
  closeAfter: number;
  /** The probe's title (the alert says `<service>: <title>: <verdict>`). */
  title: string;
}

/** A runbook file in Beacon's format (docs/runbooks.md): one probe per check, one step per check. */
export function runbookFile(s: RunbookSpec): string {
  const checks = s.checks.flatMap((c) => [
    `  ${c.id}:`,
    '    type: http',
    `    url: ${c.url}`,
    '    expect: 200',
    '    timeout_ms: 2000',
    `    every: ${s.every}`,
    `    open_after: ${s.openAfter}`,
    `    close_after: ${s.closeAfter}`,
    `    title: ${s.title}`,
  ]);
  return [
    '---',
    `name: ${s.name}`,
    `title: Bench probes ${s.name}`,
    'match:',
    `  service: ${s.service}`,
    'severity: sev2',
    'checks:',
    ...checks,
    '---',
    '',
    `# Bench probes ${s.name}`,
    '',
    '## Steps',
    '',
    ...s.checks.map((c) => `- [ ] Verify that ${c.id} accepts our credentials {check: ${c.id}}`),
    '- [ ] Compare the key in the secret store with what the service runs',
    '',
  ].join('\n');
}

/** A temporary RUNBOOKS_DIR holding these runbooks; remove() deletes it. */
export function runbookDir(specs: RunbookSpec[]): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'beacon-bench-probes-'));
  for (const s of specs) writeFileSync(join(path, `${s.name}.md`), runbookFile(s));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Beacon's worker on key prefix `prefix`, reading its runbooks (and so its probes) from `dir`. */
export function startProbeWorker(ctx: BenchContext, prefix: string, dir: string): Promise<Child> {
  return Child.start('probe-worker', { type: 'start', role: 'worker', env: { ...ctx.env(prefix), RUNBOOKS_DIR: dir } });
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/dev/local-redis.js';
import { waitFor } from './beacon.js';

/**
 * A real Prometheus Alertmanager for integration tests: started on a free port with the YAML
 * config a test writes (receivers pointing at Beacon), fed alerts through its API, its log kept,
 * stopped at the end. Generic: nothing here knows which receiver the test uses.
 *
 * ```ts
 * const am = await startAlertmanager(alertmanagerConfig({ receivers })); // throws when the binary is not installed
 * await am.push([{ labels: { alertname: 'X' }, annotations: { summary: 'x' } }]);
 * await waitFor(() => am.logs().includes('Notify for alerts failed'));
 * await am.stop();
 * ```
 */

export const NO_ALERTMANAGER =
  'prometheus-alertmanager not found: install it (Debian/Ubuntu: apt-get install prometheus-alertmanager; CI installs it)';

/** Debian names the binary prometheus-alertmanager; upstream release tarballs call it alertmanager. */
export function findAlertmanager(): { bin: string; version: string } | undefined {
  for (const bin of ['prometheus-alertmanager', 'alertmanager']) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) {
      const version = /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
      return { bin, version };
    }
  }
  return undefined;
}

/** What `alertmanagerConfig` writes; the YAML pieces are lines, indented as they stand in the file. */
export interface AlertmanagerConfig {
  /** The lines under `receivers:` (`  - name: …` and what each receiver has). */
  receivers: string[];
  /** The top route's receiver. Default `beacon`. */
  receiver?: string;
  /** The lines under `route.routes:` (`    - matchers: …`), if any. */
  routes?: string[];
  /** Default `[alertname, service]`. */
  groupBy?: string[];
  /** Defaults `1s`, `1s`, `1h`, `10s`: quick enough for a test to watch the first notification. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  resolveTimeout?: string;
}

/** Alertmanager's YAML config: one top route, grouped, with the timings a test wants, and the receivers given. */
export function alertmanagerConfig(c: AlertmanagerConfig): string {
  return [
    'global:',
    `  resolve_timeout: ${c.resolveTimeout ?? '10s'}`,
    'route:',
    `  receiver: ${c.receiver ?? 'beacon'}`,
    `  group_by: [${(c.groupBy ?? ['alertname', 'service']).join(', ')}]`,
    `  group_wait: ${c.groupWait ?? '1s'}`,
    `  group_interval: ${c.groupInterval ?? '1s'}`,
    `  repeat_interval: ${c.repeatInterval ?? '1h'}`,
    ...(c.routes?.length ? ['  routes:', ...c.routes] : []),
    'receivers:',
    ...c.receivers,
    '',
  ].join('\n');
}

/** Alertmanager's log, then the tail of the other side's (Beacon's), for a failure message. */
export function explainLogs(am: Pick<RunningAlertmanager, 'logs'>, other: { logs(): string }, otherChars = 3000): string {
  return `\n--- Alertmanager log ---\n${am.logs().slice(-4000)}\n--- Beacon log (tail) ---\n${other.logs().slice(-otherChars)}`;
}

/** An alert as Alertmanager's `POST /api/v2/alerts` takes it. */
export interface PushedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  generatorURL?: string;
  startsAt?: string;
  endsAt?: string;
}

export interface RunningAlertmanager {
  /** `http://127.0.0.1:<port>` */
  url: string;
  version: string;
  bin: string;
  /** Pushes alerts as Prometheus does (an `endsAt` in the past ends them). */
  push(alerts: PushedAlert[]): Promise<void>;
  /** Re-pushes these alerts every `everyMs` (as Prometheus re-sends active alerts) until `stop` or the next call. */
  keepPushing(alerts: PushedAlert[], everyMs?: number): void;
  /** Stops `keepPushing`. */
  stopPushing(): void;
  /** Everything Alertmanager wrote to stdout and stderr (it runs with `--log.level=debug`). */
  logs(): string;
  /** SIGTERM (SIGKILL after 5 s), then the temporary directory goes. */
  stop(): Promise<void>;
}

/**
 * Starts Alertmanager with `configYaml` as its config file, on a free port, clustering off,
 * and waits until `/-/ready` answers, then logs its version, binary and address (unless `quiet`).
 * `extraArgs` are added to the command line.
 */
export async function startAlertmanager(configYaml: string, opts: { extraArgs?: string[]; readyTimeoutMs?: number; quiet?: boolean } = {}): Promise<RunningAlertmanager> {
  const found = findAlertmanager();
  if (!found) throw new Error(NO_ALERTMANAGER);
  const dir = mkdtempSync(join(tmpdir(), 'beacon-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, configYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=debug',
    ...(opts.extraArgs ?? []),
  ];
  const proc: ChildProcess = spawn(found.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let repush: NodeJS.Timeout | undefined;

  const push = async (alerts: PushedAlert[]): Promise<void> => {
    const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (res.status !== 200) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
  };
  const stopPushing = () => {
    if (repush) clearInterval(repush);
    repush = undefined;
  };
  const stop = async (): Promise<void> => {
    stopPushing();
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const started = Date.now();
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`Alertmanager exited (${proc.exitCode}): ${out}`);
        return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      },
      { what: `Alertmanager ready on ${url}`, timeout: opts.readyTimeoutMs ?? 30_000, interval: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  if (!opts.quiet) console.info(`alertmanager ${found.version} (${found.bin}) ready on ${url} in ${Date.now() - started} ms`);

  return {
    url,
    version: found.version,
    bin: found.bin,
    push,
    keepPushing(alerts, everyMs = 1000) {
      stopPushing();
      repush = setInterval(() => void push(alerts).catch(() => {}), everyMs);
    },
    stopPushing,
    logs: () => out,
    stop,
  };
}

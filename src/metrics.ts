import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Severity } from './domain.js';

/**
 * Where the cluster-wide counters live. Workers add to them; any `web` reports the totals, so
 * one scrape of any web sees the jobs and Slack calls of every worker process.
 */
export interface SharedCounterStore {
  add(deltas: Map<string, number>): Promise<void>;
  read(): Promise<Map<string, number>>;
}

type Labels = Record<string, string>;
const fieldOf = (name: string, labels: Labels) => `${name}|${JSON.stringify(labels)}`;

/**
 * Counters incremented in memory and flushed to Redis every few seconds (and at shutdown), so
 * counting a job costs nothing on the hot path.
 */
export class SharedCounters {
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly store: SharedCounterStore) {}

  inc(name: string, labels: Labels, by = 1): void {
    const f = fieldOf(name, labels);
    this.pending.set(f, (this.pending.get(f) ?? 0) + by);
  }

  start(everyMs = 2000): void {
    this.timer = setInterval(() => void this.flush().catch(() => {}), everyMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.add(batch);
    } catch (err) {
      // Keep the counts for the next flush rather than lose them.
      for (const [k, v] of batch) this.pending.set(k, (this.pending.get(k) ?? 0) + v);
      throw err;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
  }
}

/** Every Prometheus series Beacon exposes, on one registry per process. */
/** What `/metrics` shows of each probe: the latest run of it, by any worker. */
export interface ProbeReading {
  runbook: string;
  check: string;
  state?: { lastRunAt?: string; lastDurationMs?: number; last?: { status: string } };
}

export function createMetrics(
  opts: { shared?: SharedCounterStore; openIncidents?: () => Promise<{ severity: Severity }[]>; probes?: () => Promise<ProbeReading[]> } = {},
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'beacon_' });
  const fromShared = (name: string) =>
    async function collect(this: Counter<string>) {
      if (!opts.shared) return;
      const all = await opts.shared.read().catch(() => null);
      if (!all) return;
      this.reset();
      for (const [field, value] of all) {
        const bar = field.indexOf('|');
        if (field.slice(0, bar) !== name) continue;
        this.inc(JSON.parse(field.slice(bar + 1)) as Labels, value);
      }
    };
  return {
    registry,
    alertsReceived: new Counter({
      name: 'beacon_alerts_received_total',
      help: 'Alerts received, by source and outcome (accepted, rejected, unauthorized, unavailable, unreplicated, ignored); this web process',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    changesReceived: new Counter({
      name: 'beacon_changes_received_total',
      help: 'Deploy, config and credentials changes received, by source (changes, pagerduty-change, github, vault) and outcome (accepted, rejected, unauthorized, unavailable, unreplicated, ignored, duplicate); this web process',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    webhookLatency: new Histogram({
      name: 'beacon_webhook_duration_seconds',
      help: 'Time to answer a webhook request, by route and status; this web process',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'beacon_jobs_total',
      help: 'Jobs processed by queue, name and outcome (completed, failed), summed over every worker process',
      labelNames: ['queue', 'name', 'outcome'] as const,
      registers: [registry],
      collect: fromShared('jobs'),
    }),
    slackCalls: new Counter({
      name: 'beacon_slack_api_calls_total',
      help: 'Slack Web API calls by method and outcome (ok, error, rate_limited, http_error), summed over every worker process',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
      collect: fromShared('slack'),
    }),
    ...probeMetrics(registry, fromShared('probe_runs'), opts.probes),
    openIncidents: new Gauge({
      name: 'beacon_open_incidents',
      help: 'Open incidents by severity',
      labelNames: ['severity'] as const,
      registers: [registry],
      async collect() {
        if (!opts.openIncidents) return;
        const open = await opts.openIncidents().catch(() => null);
        if (!open) return;
        this.reset();
        for (const s of ['sev1', 'sev2', 'sev3', 'sev4'] as const) this.set({ severity: s }, open.filter((i) => i.severity === s).length);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The probes' series: runs counted by every worker, the latest run's verdict and duration. */
function probeMetrics(registry: Registry, runsFromShared: (this: Counter<string>) => Promise<void>, read?: () => Promise<ProbeReading[]>) {
  return {
    probeRuns: new Counter({
      name: 'beacon_probe_runs_total',
      help: 'Probe runs by runbook, check and outcome (pass, fail, error, skipped), summed over every worker process',
      labelNames: ['runbook', 'check', 'outcome'] as const,
      registers: [registry],
      collect: runsFromShared,
    }),
    probeUp: probeGauge(registry, read, 'beacon_probe_up', 'Whether the latest run of a probe passed (1) or not (0); absent before its first run', (st) =>
      st.last ? (st.last.status === 'pass' ? 1 : 0) : undefined,
    ),
    probeDuration: probeGauge(registry, read, 'beacon_probe_duration_seconds', 'How long the latest run of a probe took', (st) =>
      st.lastDurationMs !== undefined ? st.lastDurationMs / 1000 : undefined,
    ),
  };
}

/** A gauge per probe from its latest state, read from Redis at each scrape. */
function probeGauge(
  registry: Registry,
  read: (() => Promise<ProbeReading[]>) | undefined,
  name: string,
  help: string,
  value: (state: NonNullable<ProbeReading['state']>) => number | undefined,
) {
  return new Gauge({
    name,
    help,
    labelNames: ['runbook', 'check'] as const,
    registers: [registry],
    async collect() {
      const all = await readProbes(read);
      if (!all) return;
      this.reset();
      for (const p of all) {
        const v = p.state ? value(p.state) : undefined;
        if (v !== undefined) this.set({ runbook: p.runbook, check: p.check }, v);
      }
    },
  });
}

async function readProbes(read: (() => Promise<ProbeReading[]>) | undefined): Promise<ProbeReading[] | null> {
  return read ? read().catch(() => null) : null;
}

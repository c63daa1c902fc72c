import { randomUUID } from 'node:crypto';
import type { Alert, Severity } from '../domain.js';
import type { Logger } from '../log.js';
import { probeSettings, runCheck, type CheckContext, type CheckResult, type ProbeSettings } from '../runbooks/checks/index.js';
import type { Runbook, RunbookCheck } from '../runbooks/format.js';
import type { ProbeState, ProbeStore } from './store.js';

/** One probe: a check with `every`, of one runbook. */
export interface Probe {
  /** `<runbook>:<check>`: the alert group is `probe:<id>`. */
  id: string;
  runbook: Runbook;
  checkName: string;
  check: RunbookCheck;
  settings: ProbeSettings;
  service?: string;
  severity: Severity;
}

/** Where a probe's alerts go: the same intake path as any alert (a job per alert). */
export interface ProbeAlerts {
  raise(alert: Alert, jobId: string): Promise<void>;
}

/** Counts each run for `/metrics` (`beacon_probe_runs_total`). */
export type ProbeObserver = (probe: Probe, outcome: CheckResult['status']) => void;

export interface ProbeDeps {
  runbooks: () => readonly Runbook[];
  store: ProbeStore;
  alerts: ProbeAlerts;
  changes: CheckContext['changes'];
  env: NodeJS.ProcessEnv;
  now: () => Date;
  log: Logger;
  observe?: ProbeObserver;
  /** For tests with a self-signed certificate (see CheckContext.tlsCa). */
  tlsCa?: CheckContext['tlsCa'];
}

/** Every probe the runbooks define. */
export function listProbes(runbooks: readonly Runbook[]): Probe[] {
  const out: Probe[] = [];
  for (const rb of runbooks) {
    for (const [name, check] of Object.entries(rb.checks)) {
      const settings = probeSettings(check);
      if (!settings) continue;
      const service = settings.service ?? rb.match.service[0];
      out.push({ id: `${rb.name}:${name}`, runbook: rb, checkName: name, check, settings, ...(service ? { service } : {}), severity: rb.severity ?? 'sev2' });
    }
  }
  return out;
}

/**
 * Probes: a runbook's checks with `every`, run on their schedule by the workers. After
 * `open_after` failures in a row the probe raises an alert (source `probe`, group
 * `probe:<runbook>:<check>`), which opens an incident like any alert; after `close_after` passes
 * in a row it resolves the alert. The incident stays for a person to resolve; while it is open,
 * a probe that fails again joins it (one open incident per group), so flapping never opens a
 * second one.
 */
export class ProbeService {
  /** The probes of the loaded runbook set, built once per set (a run looks one up by id). */
  private index?: { from: readonly Runbook[]; probes: Probe[]; byId: Map<string, Probe> };

  constructor(private readonly d: ProbeDeps) {}

  probes(): Probe[] {
    return this.indexed().probes;
  }

  find(runbook: string, check: string): Probe | undefined {
    return this.indexed().byId.get(`${runbook}:${check}`);
  }

  private indexed() {
    const from = this.d.runbooks();
    if (this.index?.from !== from) {
      const probes = listProbes(from);
      this.index = { from, probes, byId: new Map(probes.map((p) => [p.id, p])) };
    }
    return this.index;
  }

  /** One run of a probe, one at a time across every worker (a lock for the check's timeout). */
  async run(runbook: string, check: string): Promise<'ran' | 'busy' | 'gone'> {
    const probe = this.find(runbook, check);
    if (!probe) return 'gone';
    const owner = randomUUID();
    const timeout = 'timeout_ms' in probe.check ? probe.check.timeout_ms : 5000;
    if (!(await this.d.store.lock(probe.id, owner, Math.min(probe.settings.everyMs, timeout + 5000)))) return 'busy';
    try {
      const started = this.d.now();
      const t0 = performance.now();
      const result = await runCheck(probe.check, this.context(probe, started));
      const durationMs = Math.round(performance.now() - t0);
      this.d.observe?.(probe, result.status);
      const before = await this.d.store.get(probe.id);
      const after = next(before, probe.settings, result, started, durationMs);
      // Raised before the state is written: a crash in between raises again on the next run,
      // under the same job id (its first failure), which queues nothing twice.
      if (after.firing && !before.firing) await this.raise(probe, after, result, 'firing');
      if (!after.firing && before.firing) await this.raise(probe, before, result, 'resolved', started);
      await this.d.store.set(probe.id, after);
      return 'ran';
    } finally {
      await this.d.store.unlock(probe.id, owner);
    }
  }

  private context(probe: Probe, now: Date): CheckContext {
    return {
      ...(probe.service ? { service: probe.service } : {}),
      incidentStart: now,
      now,
      env: this.d.env,
      changes: this.d.changes,
      ...(this.d.tlsCa ? { tlsCa: this.d.tlsCa } : {}),
    };
  }

  private async raise(probe: Probe, state: ProbeState, result: CheckResult, status: 'firing' | 'resolved', endedAt?: Date): Promise<void> {
    const startsAt = state.firstFailureAt ?? this.d.now().toISOString();
    const alert: Alert = {
      source: 'probe',
      fingerprint: `probe:${probe.id}`,
      group: `probe:${probe.id}`,
      status,
      title: status === 'firing' ? probeTitle(probe, result) : '',
      severity: probe.severity,
      ...(probe.service ? { service: probe.service } : {}),
      ...(status === 'firing' ? { description: [result.summary, ...(result.details ?? [])].join('\n').slice(0, 2000) } : {}),
      labels: { alertname: `probe ${probe.id}`, beacon_runbook: probe.runbook.name, beacon_probe: probe.checkName, ...(probe.service ? { service: probe.service } : {}) },
      startsAt,
      ...(endedAt ? { endsAt: endedAt.toISOString() } : {}),
    };
    this.d.log.info({ probe: probe.id, status, startsAt }, status === 'firing' ? 'probe failing: raising its alert' : 'probe passing again: resolving its alert');
    await this.d.alerts.raise(alert, `probe-${probe.id}-${Date.parse(startsAt)}-${status}`.replace(/[^A-Za-z0-9_.-]/g, '-'));
  }
}

/** The alert's title in a person's words: the service, what the probe watches, what it found. */
export function probeTitle(probe: Probe, result: CheckResult): string {
  const what = probe.settings.title ?? `${probe.runbook.name} ${probe.checkName}`;
  return `${probe.service ? `${probe.service}: ` : ''}${what}: ${result.summary}`.replace(/\s+/g, ' ').slice(0, 300);
}

/** The state after one run: failures and passes in a row, and whether the alert is up. */
export function next(s: ProbeState, settings: ProbeSettings, result: CheckResult, at: Date, durationMs: number): ProbeState {
  const failed = result.status !== 'pass';
  const failures = failed ? s.failures + 1 : 0;
  const passes = failed ? 0 : s.passes + 1;
  // While the alert is up its start stays; otherwise a run of failures starts at its first.
  const firstFailureAt = s.firing
    ? (s.firstFailureAt ?? at.toISOString())
    : failed
      ? s.failures === 0
        ? at.toISOString()
        : (s.firstFailureAt ?? at.toISOString())
      : undefined;
  let firing = s.firing;
  if (!firing && failures >= settings.openAfter) firing = true;
  if (firing && passes >= settings.closeAfter) firing = false;
  return {
    failures,
    passes,
    firing,
    ...(firstFailureAt ? { firstFailureAt } : {}),
    lastRunAt: at.toISOString(),
    lastDurationMs: durationMs,
    last: result,
  };
}

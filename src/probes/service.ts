import { randomUUID } from 'node:crypto';
import type { Alert, Severity } from '../domain.js';
import { jobIds } from '../ids.js';
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

/**
 * Counts each run for `/metrics` (`beacon_probe_runs_total`): its verdict, or `skipped` for a
 * period that found the probe's previous run still going (or a dead worker's run still locked).
 */
export type ProbeObserver = (probe: Probe, outcome: CheckResult['status'] | 'skipped') => void;

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

/** How long a run's lock outlasts its check's time limit: the state read and write, and a raise. */
export const LOCK_MARGIN_MS = 5000;

/**
 * A run's lock: the check's `timeout_ms` and a margin, whatever `every` is, so it outlasts the
 * run. A run longer than the period (`timeout_ms` >= `every`) makes the next period skip.
 */
export function runLockMs(check: RunbookCheck): number {
  return ('timeout_ms' in check ? (check.timeout_ms ?? 5000) : 5000) + LOCK_MARGIN_MS;
}

/** The alert group (and fingerprint) of a probe's alert. */
export const probeGroup = (probe: Probe): string => `probe:${probe.id}`;

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
 * second one. When a person resolves the incident while the probe keeps failing, its next
 * failing run raises the alert again, and that opens a new incident.
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

  /**
   * One run of a probe, one at a time across every worker: a lock that outlasts the run. A period
   * that finds the lock taken (the previous run still going) is skipped, and counted so.
   */
  async run(runbook: string, check: string): Promise<'ran' | 'busy' | 'gone'> {
    const probe = this.find(runbook, check);
    if (!probe) return 'gone';
    const owner = randomUUID();
    if (!(await this.d.store.lock(probe.id, owner, runLockMs(probe.check)))) {
      this.d.observe?.(probe, 'skipped');
      this.d.log.info({ probe: probe.id }, 'probe still running from an earlier period: this period is skipped');
      return 'busy';
    }
    try {
      await this.runLocked(probe);
      return 'ran';
    } finally {
      await this.d.store.unlock(probe.id, owner);
    }
  }

  /** Runs the check, then raises or resolves the alert on a transition, then writes the state. */
  private async runLocked(probe: Probe): Promise<void> {
    const started = this.d.now();
    const t0 = performance.now();
    const result = await runCheck(probe.check, this.context(probe, started));
    const durationMs = Math.round(performance.now() - t0);
    this.d.observe?.(probe, result.status);
    const before = await this.d.store.get(probe.id);
    let after = next(before, probe.settings, result, started, durationMs);
    // Raised before the state is written: a crash in between raises again on the next run,
    // under the same job id, which queues nothing twice.
    if (after.firing && !before.firing) {
      after = { ...after, raisedResult: result };
      await this.raise(probe, after, result, 'firing');
    } else if (after.firing && result.status !== 'pass' && !(await this.d.store.groupHasOpenIncident(probeGroup(probe)))) {
      // Still failing, and the incident it opened was resolved: raise it again, as Alertmanager
      // repeats a firing alert. Intake opens a new incident, or joins one opened meanwhile (an
      // earlier raise still on its way), never a second open one.
      after = { ...after, raisedAgain: (before.raisedAgain ?? 0) + 1, raisedResult: result };
      await this.raise(probe, after, result, 'firing');
    }
    if (!after.firing && before.firing) await this.raise(probe, before, result, 'resolved', started);
    await this.d.store.set(probe.id, after);
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
      fingerprint: probeGroup(probe),
      group: probeGroup(probe),
      status,
      title: status === 'firing' ? probeTitle(probe, result) : '',
      severity: probe.severity,
      ...(probe.service ? { service: probe.service } : {}),
      ...(status === 'firing' ? { description: [result.summary, ...(result.details ?? [])].join('\n').slice(0, 2000) } : {}),
      labels: { alertname: `probe ${probe.id}`, beacon_runbook: probe.runbook.name, beacon_probe: probe.checkName, ...(probe.service ? { service: probe.service } : {}) },
      startsAt,
      ...(endedAt ? { endsAt: endedAt.toISOString() } : {}),
    };
    this.d.log.info({ probe: probe.id, status, startsAt, ...(state.raisedAgain ? { raisedAgain: state.raisedAgain } : {}) }, status === 'firing' ? 'probe failing: raising its alert' : 'probe passing again: resolving its alert');
    await this.d.alerts.raise(alert, jobIds.probeAlert(probe.id, Date.parse(startsAt), status, status === 'firing' ? (state.raisedAgain ?? 0) : 0));
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
    ...(firing && s.raisedAgain ? { raisedAgain: s.raisedAgain } : {}),
    ...(firing && s.raisedResult ? { raisedResult: s.raisedResult } : {}),
    lastRunAt: at.toISOString(),
    lastDurationMs: durationMs,
    last: result,
  };
}

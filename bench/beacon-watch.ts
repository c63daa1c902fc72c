/**
 * Is Beacon done with a storm? Its intake and incidents queues, asked through BullMQ's public API
 * (bench/queue-watch.ts), and the incident's alerts hash, named by src/keys.ts.
 */
import { QUEUES } from '../src/jobs/catalog.js';
import type { Keys } from '../src/keys.js';
import type { BenchContext } from './context.js';
import { dueDelayed } from './queue-watch.js';

/** The queues a storm's work goes through; `timers` holds minutes-away work by design. */
const WATCHED = [QUEUES.intake, QUEUES.incidents];

/**
 * Timers (escalation, reminders, periodic summaries) are delayed jobs due minutes later by design;
 * they are not storm work, so "quiet" leaves out delayed jobs due more than TIMER_HORIZON_MS
 * ahead. Every nearer delayed job (the debounced alerts refresh) must have run.
 */
export const TIMER_HORIZON_MS = 10_000;

/** The alert group a generic-webhook alert with `group` lands in (src/intake/generic.ts). */
const genericGroup = (group: string) => `generic:${group}`;

export class BeaconWatch {
  /** Names of the delayed jobs "quiet" left out, as due later than the horizon. */
  readonly ignoredTimers = new Set<string>();

  constructor(
    private readonly ctx: BenchContext,
    private readonly keys: Keys,
  ) {}

  private queues() {
    return WATCHED.map((name) => ({ name, q: this.ctx.watch.queue(this.keys.queuePrefix, name) }));
  }

  /** Notifications the incident of `group` has counted so far. */
  async counted(group: string): Promise<number> {
    return (await this.alertRecords(group))?.reduce((n, v) => n + v.count, 0) ?? 0;
  }

  /** The open incident of `group` and its alert records (one per distinct alert), if there is one. */
  private async alertRecords(group: string): Promise<{ count: number }[] | undefined> {
    const id = await this.incidentOf(group);
    if (!id) return undefined;
    return (await this.ctx.inspect.hvals(this.keys.incidentAlerts(id))).map((v) => JSON.parse(v) as { count: number });
  }

  private async incidentOf(group: string): Promise<string | null> {
    return this.ctx.inspect.get(this.keys.openGroup(genericGroup(group)));
  }

  /**
   * Quiet: intake and incidents have nothing waiting, active or prioritized, no delayed job due
   * within the horizon, and the incident of `group` has counted `total` alerts.
   */
  async quiet(group: string, total: number): Promise<boolean> {
    const busy = await Promise.all(
      this.queues().map(async ({ q }) => {
        const c = await this.ctx.watch.counts(q, 'wait', 'active', 'prioritized', 'delayed');
        if (c.wait !== 0 || c.active !== 0 || c.prioritized !== 0) return true;
        return c.delayed !== 0 && (await dueDelayed(q, TIMER_HORIZON_MS, this.ignoredTimers)).length > 0;
      }),
    );
    if (busy.some(Boolean)) return false;
    return (await this.counted(group)) === total;
  }

  /** What the storm left behind, for a timeout message. */
  async state(group: string): Promise<string> {
    const out: Record<string, number | string> = {};
    const queues = this.queues();
    for (const { name, q } of queues) {
      const c = await this.ctx.watch.counts(q, 'wait', 'active', 'delayed', 'prioritized', 'failed', 'completed');
      for (const [type, n] of Object.entries(c)) out[`${name}:${type}`] = n;
    }
    out.incident = (await this.incidentOf(group)) ?? 'none';
    const records = await this.alertRecords(group);
    if (records) {
      out.distinct = records.length;
      out.counted = records.reduce((n, v) => n + v.count, 0);
    }
    const delayed = await Promise.all(queues.map(async ({ name, q }) => (await q.getDelayed()).map((j) => `${name}:${j?.name ?? '?'}`)));
    out.delayedNames = delayed.flat().join(',');
    const intake = queues.find((x) => x.name === QUEUES.intake)!.q;
    const [failed] = await intake.getJobs(['failed'], 0, 0, true);
    if (failed) out.firstFailedReason = failed.failedReason ?? '';
    return JSON.stringify(out);
  }
}

import type { Alert, ChangeEvent } from '../domain.js';
import { jobIds } from '../ids.js';
import { intakeRetention } from '../jobs/catalog.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ReplicaGate } from '../redis-replicas.js';

/**
 * The one way into Beacon for every sender (webhooks, the PagerDuty- and Opsgenie-compatible APIs,
 * GitHub, Vault, later probes): normalized alerts or changes become jobs with ids from the
 * delivery, and the caller answers success only once Redis holds them.
 */
export interface IntakeDeps {
  queues: Queues;
  /** False while Redis is unreachable (after a short wait): answer 503 rather than hold the sender. */
  storeReady: () => Promise<boolean>;
  metrics: Metrics;
  log: Logger;
  now: () => Date;
  /** How long to wait for Redis to take the jobs before answering 503. */
  enqueueTimeoutMs?: number;
  /**
   * REDIS_MIN_REPLICAS above 0: success only once that many replicas hold the jobs (WAIT on the
   * connection `queues` writes with). Absent: success once the master holds them.
   */
  replicas?: ReplicaGate;
}

export { INTAKE_DEDUP_SECONDS } from '../jobs/catalog.js';

/**
 * `unreplicated`: the master may hold the jobs, but fewer than REDIS_MIN_REPLICAS replicas
 * confirmed them; answer 503 so the sender retries (the same delivery derives the same job ids,
 * so a retry never doubles what did get in).
 */
export type Enqueued = 'accepted' | 'unavailable' | 'unreplicated';

/**
 * Queues one `alert.received` job per alert of one delivery (`delivery` names the jobs, so the same
 * delivery again queues nothing) and counts them by source and outcome.
 */
export async function enqueueAlerts(deps: IntakeDeps, source: string, delivery: string, alerts: Alert[], truncated?: number): Promise<Enqueued> {
  const items = alerts.map((alert, i) => ({
    data: { alert, ...(truncated ? { truncated } : {}) },
    opts: { jobId: jobIds.alert(delivery, i), ...intakeRetention() },
  }));
  const outcome = await store(deps, source, 'alerts', () => deps.queues.addBulk('alert.received', items));
  deps.metrics.alertsReceived.inc({ source, outcome }, outcome === 'accepted' ? alerts.length : alerts.length || 1);
  return outcome;
}

/** Queues one `change.received` job per change (its id and retention are the catalog's). */
export async function enqueueChanges(deps: IntakeDeps, source: string, changes: ChangeEvent[]): Promise<Enqueued> {
  const items = changes.map((change) => ({ data: { change } }));
  const outcome = await store(deps, source, 'changes', () => deps.queues.addBulk('change.received', items));
  deps.metrics.changesReceived.inc({ source, outcome }, outcome === 'accepted' ? changes.length : changes.length || 1);
  return outcome;
}

/** Runs the writes of one delivery; 'accepted' only once Redis (and REDIS_MIN_REPLICAS replicas) hold them. */
async function store(deps: IntakeDeps, source: string, what: string, write: () => Promise<void>): Promise<Enqueued> {
  if (!(await deps.storeReady())) return 'unavailable';
  const mark = deps.replicas ? await deps.replicas.markHome() : undefined;
  if (mark && 'refused' in mark) {
    deps.log.warn({ source, replicas: mark.replicas, needed: mark.needed }, `Redis has fewer healthy replicas than REDIS_MIN_REPLICAS: ${what} refused with 503`);
    return 'unreplicated';
  }
  try {
    await withTimeout(write(), deps.enqueueTimeoutMs ?? 3000);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, source }, `could not enqueue ${what}`);
    return 'unavailable';
  }
  if (!mark || !deps.replicas) return 'accepted';
  const confirmed = await deps.replicas.confirm(mark);
  if (confirmed.ok) return 'accepted';
  deps.log.warn({ source, replicas: confirmed.replicas, needed: confirmed.needed, why: confirmed.reason }, `${what} not confirmed by REDIS_MIN_REPLICAS replicas: answered 503`);
  return 'unreplicated';
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error('enqueue timed out')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses JSON, or says it is not JSON. */
export function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** Request headers with lower-case names and one value each. */
export function lowerHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const lower: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  return lower;
}

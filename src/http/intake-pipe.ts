import type { Alert, ChangeEvent } from '../domain.js';
import { jobIds } from '../ids.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

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
}

/** Identical deliveries within this window collapse into one job (sender retries). */
export const INTAKE_DEDUP_SECONDS = 600;

export type Enqueued = 'accepted' | 'unavailable';

/**
 * Queues one `alert.received` job per alert of one delivery (`delivery` names the jobs, so the same
 * delivery again queues nothing) and counts them by source and outcome.
 */
export async function enqueueAlerts(deps: IntakeDeps, source: string, delivery: string, alerts: Alert[], truncated?: number): Promise<Enqueued> {
  if (!(await deps.storeReady())) {
    deps.metrics.alertsReceived.inc({ source, outcome: 'unavailable' }, alerts.length || 1);
    return 'unavailable';
  }
  const items = alerts.map((alert, i) => ({
    data: { alert, ...(truncated ? { truncated } : {}) },
    opts: { jobId: jobIds.alert(delivery, i), removeOnComplete: { age: INTAKE_DEDUP_SECONDS, count: 50_000 } },
  }));
  try {
    await withTimeout(deps.queues.addBulk('alert.received', items), deps.enqueueTimeoutMs ?? 3000);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, source }, 'could not enqueue alerts');
    deps.metrics.alertsReceived.inc({ source, outcome: 'unavailable' }, alerts.length || 1);
    return 'unavailable';
  }
  deps.metrics.alertsReceived.inc({ source, outcome: 'accepted' }, alerts.length);
  return 'accepted';
}

/** Queues one `change.received` job per change (its id derives from the change's content). */
export async function enqueueChanges(deps: IntakeDeps, source: string, changes: ChangeEvent[]): Promise<Enqueued> {
  if (!(await deps.storeReady())) {
    deps.metrics.changesReceived.inc({ source, outcome: 'unavailable' }, changes.length || 1);
    return 'unavailable';
  }
  try {
    const items = changes.map((change) => ({ data: { change }, opts: { removeOnComplete: { age: INTAKE_DEDUP_SECONDS, count: 50_000 } } }));
    await withTimeout(deps.queues.addBulk('change.received', items), deps.enqueueTimeoutMs ?? 3000);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, source }, 'could not enqueue changes');
    deps.metrics.changesReceived.inc({ source, outcome: 'unavailable' }, changes.length || 1);
    return 'unavailable';
  }
  deps.metrics.changesReceived.inc({ source, outcome: 'accepted' }, changes.length);
  return 'accepted';
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

import type { IncomingHttpHeaders } from 'node:http';
import type { AlertSource } from '../domain.js';
import { jobIds, webhookDelivery } from '../ids.js';
import { describeIssues } from '../intake/common.js';
import type { IntakeModule } from '../intake/index.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { webhookTokenOk } from './auth.js';

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** `valid` / `invalid` when the request carries a signature, `absent` when it carries none. */
export type SignatureCheck = (raw: Buffer, headers: IncomingHttpHeaders) => 'valid' | 'invalid' | 'absent';

export interface WebhookDeps {
  queues: Queues;
  /** False while Redis is unreachable (after a short wait): answer 503 rather than hold the sender. */
  storeReady: () => Promise<boolean>;
  token: string;
  sources: Partial<Record<AlertSource, IntakeModule<any>>>;
  signatures: Partial<Record<AlertSource, SignatureCheck>>;
  metrics: Metrics;
  log: Logger;
  now: () => Date;
  /** How long to wait for Redis to take the jobs before answering 503. */
  enqueueTimeoutMs?: number;
  changes?: (body: unknown, now: Date) => { ok: true; changes: import('../domain.js').ChangeEvent[] } | { ok: false; issues: { field: string; message: string }[] };
}

/** Identical deliveries within this window collapse into one job (sender retries). */
export const INTAKE_DEDUP_SECONDS = 600;

const UNAVAILABLE: WebhookAnswer = {
  status: 503,
  body: { error: 'Beacon cannot reach its store (Redis) right now; nothing was accepted. Retry later.' },
  headers: { 'retry-after': '5' },
};

export function authorize(deps: WebhookDeps, source: AlertSource | 'changes', raw: Buffer, headers: IncomingHttpHeaders): WebhookAnswer | null {
  const check = source === 'changes' ? undefined : deps.signatures[source];
  if (check) {
    const sig = check(raw, headers);
    if (sig === 'valid') return null;
    if (sig === 'invalid') return { status: 401, body: { error: 'invalid signature' } };
  }
  if (webhookTokenOk(headers.authorization, deps.token)) return null;
  return {
    status: 401,
    body: { error: headers.authorization ? 'invalid credentials' : 'missing credentials: send Authorization: Bearer <WEBHOOK_TOKEN>' },
    headers: { 'www-authenticate': 'Bearer realm="beacon", Basic realm="beacon"' },
  };
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
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

/**
 * An alert webhook: authenticate, parse, validate, normalize, enqueue one job per alert and
 * answer 202 only once Redis has them. The job id derives from the delivery, so a sender's retry
 * of the same body (or the same PagerDuty `X-Webhook-Id`) is taken once.
 */
export async function handleAlertWebhook(deps: WebhookDeps, source: AlertSource, raw: Buffer, headers: IncomingHttpHeaders): Promise<WebhookAnswer> {
  const mod = deps.sources[source];
  if (!mod) return { status: 404, body: { error: `no such source: ${source}` } };
  const denied = authorize(deps, source, raw, headers);
  if (denied) {
    deps.metrics.alertsReceived.inc({ source, outcome: 'unauthorized' });
    return denied;
  }
  const json = parseJson(raw);
  if (!json.ok) {
    deps.metrics.alertsReceived.inc({ source, outcome: 'rejected' });
    return { status: 400, body: { error: 'body is not valid JSON' } };
  }
  const parsed = mod.parse(json.value);
  if (!parsed.success) {
    deps.metrics.alertsReceived.inc({ source, outcome: 'rejected' });
    return { status: 400, body: { error: 'invalid payload', fields: describeIssues(parsed.error) } };
  }
  const now = deps.now();
  const lower: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  const result = mod.normalize(parsed.data, { now, headers: lower });
  if (!(await deps.storeReady())) {
    deps.metrics.alertsReceived.inc({ source, outcome: 'unavailable' }, result.alerts.length || 1);
    return UNAVAILABLE;
  }
  // One id per delivery: of the PagerDuty webhook id when there is one, else of the body.
  const delivery = webhookDelivery(source, lower['x-webhook-id'], raw);
  const items = result.alerts.map((alert, i) => ({
    data: { alert, ...(result.truncated ? { truncated: result.truncated } : {}) },
    opts: {
      jobId: jobIds.alert(delivery, i),
      removeOnComplete: { age: INTAKE_DEDUP_SECONDS, count: 50_000 },
    },
  }));
  try {
    await withTimeout(deps.queues.addBulk('alert.received', items), deps.enqueueTimeoutMs ?? 3000);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, source }, 'could not enqueue alerts');
    deps.metrics.alertsReceived.inc({ source, outcome: 'unavailable' }, result.alerts.length || 1);
    return UNAVAILABLE;
  }
  deps.metrics.alertsReceived.inc({ source, outcome: 'accepted' }, result.alerts.length);
  return { status: 202, body: { accepted: result.alerts.length } };
}

/** `/webhooks/changes`: same rules as alerts, one `change.received` job per event. */
export async function handleChangeWebhook(deps: WebhookDeps, raw: Buffer, headers: IncomingHttpHeaders): Promise<WebhookAnswer> {
  const denied = authorize(deps, 'changes', raw, headers);
  if (denied) return denied;
  if (!deps.changes) return { status: 404, body: { error: 'changes are not enabled' } };
  const json = parseJson(raw);
  if (!json.ok) return { status: 400, body: { error: 'body is not valid JSON' } };
  const parsed = deps.changes(json.value, deps.now());
  if (!parsed.ok) return { status: 400, body: { error: 'invalid payload', fields: parsed.issues } };
  if (!(await deps.storeReady())) return UNAVAILABLE;
  try {
    await withTimeout(
      deps.queues.addBulk(
        'change.received',
        parsed.changes.map((change) => ({ data: { change }, opts: { removeOnComplete: { age: INTAKE_DEDUP_SECONDS, count: 50_000 } } })),
      ),
      deps.enqueueTimeoutMs ?? 3000,
    );
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'could not enqueue changes');
    return UNAVAILABLE;
  }
  return { status: 202, body: { accepted: parsed.changes.length } };
}

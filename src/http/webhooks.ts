import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookSource } from '../domain.js';
import { webhookDelivery } from '../ids.js';
import { describeIssues } from '../intake/common.js';
import type { parseChanges } from '../intake/changes.js';
import type { IntakeModule } from '../intake/index.js';
import { webhookTokenOk } from './auth.js';
import { enqueueAlerts, enqueueChanges, lowerHeaders, parseJson, type IntakeDeps } from './intake-pipe.js';

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** `valid` / `invalid` when the request carries a signature, `absent` when it carries none. */
export type SignatureCheck = (raw: Buffer, headers: IncomingHttpHeaders) => 'valid' | 'invalid' | 'absent';

export interface WebhookDeps extends IntakeDeps {
  token: string;
  sources: Partial<Record<WebhookSource, IntakeModule<any>>>;
  signatures: Partial<Record<WebhookSource, SignatureCheck>>;
  /** `/webhooks/changes` (intake/changes.ts `parseChanges`); absent, it answers 404. */
  changes?: typeof parseChanges;
}

export { INTAKE_DEDUP_SECONDS } from './intake-pipe.js';

const UNAVAILABLE: WebhookAnswer = {
  status: 503,
  body: { error: 'Beacon cannot reach its store (Redis) right now; nothing was accepted. Retry later.' },
  headers: { 'retry-after': '5' },
};

/** REDIS_MIN_REPLICAS: Redis may hold the delivery, but not yet on enough replicas to survive a failover. */
const UNREPLICATED: WebhookAnswer = {
  status: 503,
  body: { error: 'Beacon could not confirm that REDIS_MIN_REPLICAS Redis replicas hold this delivery; it is not accepted. Retry later (the same delivery is never counted twice).' },
  headers: { 'retry-after': '2' },
};

export function authorize(deps: WebhookDeps, source: WebhookSource | 'changes', raw: Buffer, headers: IncomingHttpHeaders): WebhookAnswer | null {
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

/**
 * An alert webhook: authenticate, parse, validate, normalize, enqueue one job per alert and
 * answer 202 only once Redis has them. The job id derives from the delivery, so a sender's retry
 * of the same body (or the same PagerDuty `X-Webhook-Id`) is taken once.
 */
export async function handleAlertWebhook(deps: WebhookDeps, source: WebhookSource, raw: Buffer, headers: IncomingHttpHeaders): Promise<WebhookAnswer> {
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
  const lower = lowerHeaders(headers);
  const result = mod.normalize(parsed.data, { now: deps.now(), headers: lower });
  // One id per delivery: of the PagerDuty webhook id when there is one, else of the body.
  const delivery = webhookDelivery(source, lower['x-webhook-id'], raw);
  const outcome = await enqueueAlerts(deps, source, delivery, result.alerts, result.truncated);
  if (outcome !== 'accepted') return outcome === 'unreplicated' ? UNREPLICATED : UNAVAILABLE;
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
  if (!parsed.ok) return { status: 400, body: { error: 'invalid payload', fields: parsed.issues ?? [] } };
  const outcome = await enqueueChanges(deps, 'changes', parsed.value);
  if (outcome !== 'accepted') return outcome === 'unreplicated' ? UNREPLICATED : UNAVAILABLE;
  return { status: 202, body: { accepted: parsed.value.length } };
}

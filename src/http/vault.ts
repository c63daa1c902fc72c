import { ignoredCount, parseVaultBatch, type VaultBatch } from '../intake/vault.js';
import { webhookTokenOk } from './auth.js';
import { enqueueChanges } from './intake-pipe.js';
import type { BodyRoute, RouteAnswer, RouteRequest, SenderDeps } from './routes.js';

const SOURCE = 'vault';
const PATH = '/webhooks/vault';

/** At most this many rejected entries are named in an answer (the count is always exact). */
const MAX_ERRORS_NAMED = 20;

/**
 * `POST /webhooks/vault`: HashiCorp Vault audit entries as a log shipper forwards the file or
 * socket audit device (NDJSON, a JSON array or one object), with WEBHOOK_TOKEN as Bearer or Basic.
 *
 * Each entry stands on its own, as a log pipeline needs: a broken line is rejected (counted and
 * named by line, never quoted), the good entries of the same body are still taken, and the
 * answer says how many were accepted, ignored and rejected. A body with no Vault entry at all is
 * a 400 and takes nothing. The changes of a body are queued in one step: 202 only once Redis holds
 * every one of them, 503 (nothing taken, the shipper retries) otherwise; a retried body derives
 * the same change ids from `request.id`, so it is stored once.
 */
export function vaultRoutes(deps: SenderDeps): BodyRoute[] {
  return [
    {
      name: SOURCE,
      match: (method, path) => (method === 'POST' && path === PATH ? {} : null),
      handle: (req) => handleVault(deps, req),
    },
  ];
}

function unauthorized(header: string | undefined): RouteAnswer {
  return {
    status: 401,
    body: { error: header ? 'invalid credentials' : 'missing credentials: send Authorization: Bearer <WEBHOOK_TOKEN>' },
    headers: { 'www-authenticate': 'Bearer realm="beacon", Basic realm="beacon"' },
  };
}

function errorsNamed(batch: VaultBatch): { errors?: VaultBatch['rejected'] } {
  return batch.rejected.length ? { errors: batch.rejected.slice(0, MAX_ERRORS_NAMED) } : {};
}

export async function handleVault(deps: SenderDeps, req: RouteRequest): Promise<RouteAnswer> {
  const count = (outcome: string, n = 1) => {
    if (n > 0) deps.metrics.changesReceived.inc({ source: SOURCE, outcome }, n);
  };
  if (!webhookTokenOk(req.headers.authorization, deps.token)) {
    count('unauthorized');
    return unauthorized(req.headers.authorization);
  }
  const parsed = parseVaultBatch(req.raw.toString('utf8'), deps.senders.vaultSecretServices, deps.now());
  if (!parsed.ok) {
    count('rejected');
    return { status: 400, body: { error: parsed.error } };
  }
  const batch = parsed.batch;
  const ignored = ignoredCount(batch);
  if (batch.changes.length === 0 && ignored === 0) {
    count('rejected', Math.max(1, batch.rejected.length));
    const error = batch.entries === 0 ? 'no audit entries in the body' : 'no Vault audit entry in the body';
    return {
      status: 400,
      body: { error: `${error}: send the audit log as JSON lines (one entry per line), a JSON array or one JSON object`, rejected: batch.rejected.length, ...errorsNamed(batch) },
    };
  }
  if (batch.changes.length > 0 && (await enqueueChanges(deps, SOURCE, batch.changes)) !== 'accepted') {
    return {
      status: 503,
      body: { error: 'Beacon cannot reach its store (Redis) right now; nothing was accepted. Retry later.' },
      headers: { 'retry-after': '5' },
    };
  }
  count('ignored', ignored);
  count('rejected', batch.rejected.length);
  if (batch.rejected.length) {
    // Where, never what: a rejected line may hold anything the shipper read.
    deps.log.warn({ source: SOURCE, rejected: batch.rejected.length, lines: batch.rejected.slice(0, MAX_ERRORS_NAMED).map((r) => r.line ?? r.index) }, 'vault audit entries rejected');
  }
  deps.log.debug({ source: SOURCE, accepted: batch.changes.length, ignored: batch.ignored, rejected: batch.rejected.length }, 'vault audit batch');
  return { status: 202, body: { accepted: batch.changes.length, ignored, rejected: batch.rejected.length, ...errorsNamed(batch) } };
}

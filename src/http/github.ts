import { verify } from '@octokit/webhooks-methods';
import type { ChangeEvent } from '../domain.js';
import { webhookDelivery } from '../ids.js';
import { normalizeGithub, readGithubBody } from '../intake/github.js';
import { webhookTokenOk } from './auth.js';
import { enqueueChanges, lowerHeaders } from './intake-pipe.js';
import type { BodyRoute, RouteAnswer, RouteRequest, SenderDeps } from './routes.js';

/**
 * `POST /webhooks/github`: GitHub's repository, organization or App webhooks, JSON or
 * form-encoded (`src/intake/github.ts` says what becomes a change).
 *
 * Who may send: with `GITHUB_WEBHOOK_SECRET`, only a delivery whose `X-Hub-Signature-256` matches
 * the raw body (checked by `@octokit/webhooks-methods`, GitHub's own SDK: constant-time compare
 * of the `sha256=<hex>` value); a token does not replace it. Without the secret, `WEBHOOK_TOKEN`
 * as Bearer or Basic password: GitHub sends `Authorization: Basic` when the payload URL carries
 * `user:token@`.
 *
 * Redeliveries: `X-GitHub-Delivery` (GitHub's GUID of the delivery, kept by a redelivery) names
 * the delivery. The first delivery of a GUID that becomes a change marks it in Redis (SET NX, for
 * as long as GitHub offers redelivery); the same GUID again is answered 202 `{ignored}` and counted
 * `duplicate`. A mark is removed when the change could not be queued, so redelivering a failed
 * delivery works. Without the header (other senders of GitHub's format), and for the same event
 * under another GUID (a repository and an organization hook, or an App, on one repository), the
 * change's own id (`src/intake/github.ts`: the status, deployment or release id) makes it one
 * change: the change job is named by it.
 *
 * Answers: 202 `{accepted: 1}` (queued), 202 `{ignored: <why>}` (nothing recorded, a redelivery
 * included), 200 `{pong: true, hook_id, zen}` for `ping`, 400 `{error, fields?}`, 401 `{error}`,
 * 503 when Redis cannot take it (GitHub shows the failure and the delivery can be redelivered from
 * its UI).
 */
export function githubRoutes(deps: SenderDeps): BodyRoute[] {
  return [
    {
      name: 'github',
      match: (method, path) => (method === 'POST' && path === '/webhooks/github' ? {} : null),
      handle: (req) => handleGithub(deps, req),
    },
  ];
}

const SOURCE = 'github';

const UNAVAILABLE: RouteAnswer = {
  status: 503,
  body: { error: 'Beacon cannot reach its store (Redis) right now; nothing was accepted. Redeliver later.' },
  headers: { 'retry-after': '5' },
};

type Outcome = 'ignored' | 'rejected' | 'unauthorized' | 'duplicate';

/** GitHub's delivery ids are GUIDs: hex digits and dashes, bounded (anything else is not GitHub's). */
export const GITHUB_DELIVERY_ID = /^[0-9a-f][0-9a-f-]{7,63}$/i;

/** GitHub offers redelivery for 3 days (GitHub Enterprise Server: 7): a delivery's mark lasts that long. */
export const DELIVERY_MARK_SECONDS = 7 * 24 * 3600;

async function handleGithub(deps: SenderDeps, req: RouteRequest): Promise<RouteAnswer> {
  const count = (outcome: Outcome) => deps.metrics.changesReceived.inc({ source: SOURCE, outcome });
  const headers = lowerHeaders(req.headers);
  const denied = await authorize(deps, req.raw, headers);
  if (denied) {
    count('unauthorized');
    return denied;
  }
  const event = headers['x-github-event']?.trim();
  if (!event) {
    count('rejected');
    return { status: 400, body: { error: 'missing X-GitHub-Event header: this route takes GitHub webhook deliveries' } };
  }
  const guid = headers['x-github-delivery']?.trim() || undefined;
  if (guid !== undefined && !GITHUB_DELIVERY_ID.test(guid)) {
    count('rejected');
    return { status: 400, body: { error: 'X-GitHub-Delivery is not a delivery GUID (hex digits and dashes, 8 to 64 of them); leave it out when the sender has none' } };
  }
  const body = readGithubBody(req.raw, headers['content-type']);
  if (!body.ok) {
    count('rejected');
    return { status: 400, body: { error: body.reason } };
  }
  const out = normalizeGithub(event, body.value, { services: deps.senders.githubServices, now: deps.now() });
  switch (out.kind) {
    case 'invalid':
      count('rejected');
      return { status: 400, body: { error: 'invalid payload', fields: out.issues.slice(0, 20) } };
    case 'ignored':
      count('ignored');
      return { status: 202, body: { ignored: out.reason } };
    case 'ping':
      count('ignored');
      return { status: 200, body: { pong: true, ...(out.hookId !== undefined ? { hook_id: out.hookId } : {}), ...(out.zen ? { zen: out.zen } : {}) } };
    case 'change':
      return takeChange(deps, out.change, guid);
  }
}

/** Queues the change once per delivery GUID (see the route's comment); without a GUID, by the change's id alone. */
async function takeChange(deps: SenderDeps, change: ChangeEvent, guid: string | undefined): Promise<RouteAnswer> {
  const mark = guid ? await markDelivery(deps, guid) : undefined;
  if (mark === 'unavailable') return UNAVAILABLE;
  if (mark && 'seen' in mark) {
    deps.metrics.changesReceived.inc({ source: SOURCE, outcome: 'duplicate' });
    return { status: 202, body: { ignored: `delivery ${guid} was already received: a redelivery changes nothing` } };
  }
  if ((await enqueueChanges(deps, SOURCE, [change])) !== 'accepted') {
    // Not taken: GitHub's redelivery of it must be.
    await mark?.release().catch(() => {});
    return UNAVAILABLE;
  }
  return { status: 202, body: { accepted: 1 } };
}

/** The GUID names the delivery, not the body (a redelivery's body is the same anyway). */
const NO_BODY = Buffer.alloc(0);

type Mark = { release: () => Promise<unknown> } | { seen: true } | 'unavailable';

/**
 * SET NX of the delivery's key, next to the queues (same prefix, so the same Redis and slot): the
 * first delivery of a GUID gets a mark it can release, a repeat sees it taken. The key is named
 * by `webhookDelivery`, as every route's deliveries are.
 */
async function markDelivery(deps: SenderDeps, guid: string): Promise<Mark> {
  if (!(await deps.storeReady())) return 'unavailable';
  const queue = deps.queues.queueOf('change.received');
  const key = `${queue.opts.prefix}:github:delivery:${webhookDelivery(SOURCE, guid.toLowerCase(), NO_BODY)}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const redis = await queue.client;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('delivery mark timed out')), deps.enqueueTimeoutMs ?? 3000);
    });
    const set = await Promise.race([redis.set(key, '1', 'EX', DELIVERY_MARK_SECONDS, 'NX'), timeout]);
    return set === 'OK' ? { release: () => redis.del(key) } : { seen: true };
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, source: SOURCE }, 'could not mark the GitHub delivery');
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

/** Null when the delivery may come in, else the 401 to answer. */
async function authorize(deps: SenderDeps, raw: Buffer, headers: Record<string, string | undefined>): Promise<RouteAnswer | null> {
  const secret = deps.senders.githubSecret;
  if (secret) {
    const signature = headers['x-hub-signature-256']?.trim();
    if (!signature) {
      return { status: 401, body: { error: 'missing X-Hub-Signature-256: set the webhook secret in GitHub to the value of GITHUB_WEBHOOK_SECRET' } };
    }
    if (await signatureMatches(secret, raw, signature)) return null;
    return { status: 401, body: { error: 'invalid signature: X-Hub-Signature-256 does not match the body signed with GITHUB_WEBHOOK_SECRET' } };
  }
  if (webhookTokenOk(headers.authorization, deps.token)) return null;
  return {
    status: 401,
    body: {
      error: headers.authorization
        ? 'invalid credentials'
        : 'missing credentials: set GITHUB_WEBHOOK_SECRET (and the same secret in GitHub), or put beacon:<WEBHOOK_TOKEN>@ in the payload URL',
    },
    headers: { 'www-authenticate': 'Bearer realm="beacon", Basic realm="beacon"' },
  };
}

/**
 * GitHub signs the body's bytes; the library takes a string, and GitHub's payloads are UTF-8
 * (its docs say to handle them so), which decodes and encodes back to the same bytes.
 */
async function signatureMatches(secret: string, raw: Buffer, signature: string): Promise<boolean> {
  if (raw.length === 0) return false; // nothing GitHub sends; the library refuses an empty payload
  try {
    return await verify(secret, raw.toString('utf8'), signature);
  } catch {
    return false;
  }
}

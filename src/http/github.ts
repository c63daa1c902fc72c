import { verify } from '@octokit/webhooks-methods';
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
 * Answers: 202 `{accepted: 1}` (queued), 202 `{ignored: <why>}`, 200 `{pong: true, hook_id, zen}`
 * for `ping`, 400 `{error, fields?}`, 401 `{error}`, 503 when Redis cannot take it (GitHub shows
 * the failure and the delivery can be redelivered from its UI).
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

type Outcome = 'ignored' | 'rejected' | 'unauthorized';

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
  const body = readGithubBody(req.raw, headers['content-type']);
  if (!body.ok) {
    count('rejected');
    return { status: 400, body: { error: body.error } };
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
      if ((await enqueueChanges(deps, SOURCE, [out.change])) !== 'accepted') return UNAVAILABLE;
      return { status: 202, body: { accepted: 1 } };
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

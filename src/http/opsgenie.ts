import { randomUUID } from 'node:crypto';
import { webhookDelivery } from '../ids.js';
import {
  OPSGENIE_LIMITS,
  fits,
  normalizeOpsgenieCreate,
  opsgenieIdentifierType,
  opsgenieStatusAlert,
  parseOpsgenieAction,
  parseOpsgenieCreate,
  type OpsgenieAction,
  type OpsgenieErrors,
} from '../intake/opsgenie.js';
import { safeEqual } from './auth.js';
import { enqueueAlerts, parseJson } from './intake-pipe.js';
import type { BodyRoute, RouteAnswer, RouteRequest, SenderDeps } from './routes.js';

/**
 * The Opsgenie Alert API at `/opsgenie/v2/alerts…`, answered as Opsgenie answers
 * (https://docs.opsgenie.com/docs/response): every body carries `took` (seconds, a number) and
 * `requestId` (a UUID), and every answer Opsgenie's standard headers `X-Request-Id` (the same
 * UUID) and `X-Response-Time` (the same seconds).
 *
 * | case                                   | status | body                                                                    |
 * | -------------------------------------- | ------ | ----------------------------------------------------------------------- |
 * | accepted (create, close, ack, updates) | 202    | `{"result":"Request will be processed",…}`                              |
 * | no `GenieKey`, or one not accepted     | 401    | `{"message":"Could not authenticate",…}`                                |
 * | the WEBHOOK_TOKEN where OPSGENIE_API_KEYS is set | 403 | `{"code":40301,"message":"To perform this action, use an API key from an API integration.",…}` |
 * | not JSON, or JSON that is no object    | 400    | `{"message":"Invalid JSON body",…}`                                     |
 * | a field Opsgenie would refuse          | 422    | `{"message":"Request body is not processable. Please check the errors.","errors":{field: reason},…}` |
 * | a known path with the other method     | 405    | `{"message":"Request method 'PUT' not supported",…}`                    |
 * | Redis unreachable                      | 503    | `{"message":"…nothing was accepted. Retry later.",…}` and `Retry-After` |
 *
 * Opsgenie documents 400 for syntax errors only and 422 for semantic errors, but not what a JSON
 * value that is no object (`[]`, `42`) gets, nor a body for it: Beacon answers it 400 as above.
 *
 * Every request is its own delivery (its `requestId`): Opsgenie has no delivery id, and the
 * alias, not the request, is what makes a repeat (one open incident per alias group).
 */

const SOURCE = 'opsgenie';
const CREATE_PATH = '/opsgenie/v2/alerts';
const ALERT_PATH = /^\/opsgenie\/v2\/alerts\/([^/]+)\/(close|acknowledge|notes|message|description)$/;
const METHOD: Record<OpsgenieAction | 'create', 'POST' | 'PUT'> = { create: 'POST', close: 'POST', acknowledge: 'POST', notes: 'POST', message: 'PUT', description: 'PUT' };

interface Request {
  started: bigint;
  requestId: string;
}

function reply(r: Request, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): RouteAnswer {
  const took = Math.round(Number(process.hrtime.bigint() - r.started) / 1e6) / 1000;
  return { status, body: { ...body, took, requestId: r.requestId }, headers: { 'x-request-id': r.requestId, 'x-response-time': String(took), ...headers } };
}

const accepted = (r: Request) => reply(r, 202, { result: 'Request will be processed' });
const invalid = (r: Request, errors: OpsgenieErrors) => reply(r, 422, { message: 'Request body is not processable. Please check the errors.', errors });

/** `ok`, or why not: no accepted key, or Beacon's webhook token where Opsgenie keys are configured. */
function authenticate(deps: SenderDeps, header: string | undefined): 'ok' | 'unknown' | 'not-an-integration-key' {
  const key = /^\s*GenieKey\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!key) return 'unknown';
  let ok = false;
  // Every configured key is compared (constant time each), whichever matches.
  for (const k of deps.senders.opsgenieApiKeys) if (k && safeEqual(key, k)) ok = true;
  if (ok) return 'ok';
  return deps.token && safeEqual(key, deps.token) ? 'not-an-integration-key' : 'unknown';
}

function refuse(deps: SenderDeps, r: Request, why: 'unknown' | 'not-an-integration-key'): RouteAnswer {
  deps.metrics.alertsReceived.inc({ source: SOURCE, outcome: 'unauthorized' });
  if (why === 'not-an-integration-key') return reply(r, 403, { code: 40301, message: 'To perform this action, use an API key from an API integration.' });
  return reply(r, 401, { message: 'Could not authenticate' });
}

/** The body as an object: an empty body is `{}` (close and acknowledge may come without one). */
function jsonObject(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.toString('utf8').trim() === '') return {};
  const json = parseJson(raw);
  if (!json.ok || typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) return undefined;
  return json.value as Record<string, unknown>;
}

function rejected(deps: SenderDeps, r: Request, errors?: OpsgenieErrors): RouteAnswer {
  deps.metrics.alertsReceived.inc({ source: SOURCE, outcome: 'rejected' });
  return errors ? invalid(r, errors) : reply(r, 400, { message: 'Invalid JSON body' });
}

function unavailable(r: Request): RouteAnswer {
  return reply(r, 503, { message: 'Beacon cannot reach its store (Redis) right now; nothing was accepted. Retry later.' }, { 'retry-after': '5' });
}

async function createAlert(deps: SenderDeps, r: Request, req: RouteRequest): Promise<RouteAnswer> {
  const body = jsonObject(req.raw);
  if (!body) return rejected(deps, r);
  const parsed = parseOpsgenieCreate(body);
  if (!parsed.ok) return rejected(deps, r, parsed.errors);
  const alert = normalizeOpsgenieCreate(parsed.value, deps.now());
  const delivery = webhookDelivery(SOURCE, r.requestId, req.raw);
  if ((await enqueueAlerts(deps, SOURCE, delivery, [alert])) !== 'accepted') return unavailable(r);
  return accepted(r);
}

function decodeIdentifier(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Close, acknowledge, and the updates, on one alert. Only close and acknowledge by alias change
 * anything; by id or tiny id the alert is one Beacon cannot know (it hands out no alert ids), so,
 * like an unknown alias, the call is answered and changes nothing.
 */
async function alertAction(deps: SenderDeps, r: Request, req: RouteRequest): Promise<RouteAnswer> {
  const action = req.params.action as OpsgenieAction;
  const type = opsgenieIdentifierType(req.url.searchParams.get('identifierType'));
  if (!type) return rejected(deps, r, { identifierType: 'should be one of [ id, tiny, alias ]' });
  const body = jsonObject(req.raw);
  if (!body) return rejected(deps, r);
  const parsed = parseOpsgenieAction(action, body);
  if (!parsed.ok) return rejected(deps, r, parsed.errors);

  const identifier = decodeIdentifier(req.params.identifier ?? '');
  const changes = (action === 'close' || action === 'acknowledge') && type === 'alias' && fits(identifier, OPSGENIE_LIMITS.alias);
  if (!changes) {
    deps.metrics.alertsReceived.inc({ source: SOURCE, outcome: 'ignored' });
    return accepted(r);
  }
  const alert = opsgenieStatusAlert(identifier, action === 'close' ? 'resolved' : 'acknowledged', deps.now());
  const delivery = webhookDelivery(SOURCE, r.requestId, req.raw);
  if ((await enqueueAlerts(deps, SOURCE, delivery, [alert])) !== 'accepted') return unavailable(r);
  return accepted(r);
}

type Handler = (deps: SenderDeps, r: Request, req: RouteRequest) => Promise<RouteAnswer>;

/** Method first (405 names the method), then the key, then the call itself. */
function handler(deps: SenderDeps, run: Handler): (req: RouteRequest) => Promise<RouteAnswer> {
  return async (req) => {
    const r: Request = { started: process.hrtime.bigint(), requestId: randomUUID() };
    const expected = METHOD[(req.params.action ?? 'create') as OpsgenieAction | 'create'];
    if (req.method !== expected) return reply(r, 405, { message: `Request method '${req.method}' not supported` }, { allow: expected });
    const auth = authenticate(deps, req.headers.authorization);
    if (auth !== 'ok') return refuse(deps, r, auth);
    return run(deps, r, req);
  };
}

/** `POST /opsgenie/v2/alerts` and the calls on one alert, `/opsgenie/v2/alerts/<identifier>/<action>`. */
export function opsgenieRoutes(deps: SenderDeps): BodyRoute[] {
  return [
    {
      name: 'opsgenie',
      match: (method, path) => ((method === 'POST' || method === 'PUT') && path === CREATE_PATH ? {} : null),
      handle: handler(deps, createAlert),
    },
    {
      name: 'opsgenie-alert',
      match: (method, path) => {
        const m = method === 'POST' || method === 'PUT' ? ALERT_PATH.exec(path) : null;
        return m ? { identifier: m[1]!, action: m[2]! } : null;
      },
      handle: handler(deps, alertAction),
    },
  ];
}

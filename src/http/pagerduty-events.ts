import { webhookDelivery } from '../ids.js';
import {
  PD_ERRORS,
  madeDedupKey,
  normalizePagerDutyChange,
  normalizePagerDutyEvent,
  parsePagerDutyChange,
  parsePagerDutyEvent,
  routingScope,
  type RoutingScope,
} from '../intake/pagerduty-events.js';
import { safeEqual } from './auth.js';
import { enqueueAlerts, enqueueChanges, parseJson } from './intake-pipe.js';
import type { BodyRoute, RouteAnswer, RouteRequest, SenderDeps } from './routes.js';

/**
 * PagerDuty's Events API v2 at `POST /pagerduty/v2/enqueue` and its Change Events at
 * `POST /pagerduty/v2/change/enqueue`, answered as PagerDuty answers them, so a sender moves to
 * Beacon by changing its URL. The routing key in the body is the credential: only
 * PAGERDUTY_ROUTING_KEYS (WEBHOOK_TOKEN when unset) are taken, compared in constant time; the key
 * itself never reaches a job, a log line or a group name (a hash of it does, when it names no
 * service).
 *
 * | request                              | answer                                                                              |
 * | ------------------------------------ | ----------------------------------------------------------------------------------- |
 * | an accepted event                    | 202 `{"status":"success","message":"Event processed","dedup_key":"…"}`              |
 * | an accepted change event             | 202 `{"status":"success","message":"Change event processed"}`                       |
 * | an invalid event                     | 400 `{"status":"invalid event","message":"Event object is invalid","errors":[…]}`   |
 * | a routing key Beacon does not take   | the same 400, `"errors":["Invalid routing key"]`                                    |
 * | a body that is not a JSON object     | 400 `{"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}` |
 * | Redis unreachable                    | 503, nothing taken (PagerDuty's senders retry 5xx)                                  |
 *
 * An acknowledge or resolve for a dedup_key Beacon has no open incident for is answered 202 and
 * changes nothing, as PagerDuty drops them.
 */

const EVENTS_SOURCE = 'pagerduty-events';
const CHANGES_SOURCE = 'pagerduty-change';

const invalid = (errors: string[]): RouteAnswer => ({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } });

const UNRECOGNIZED: RouteAnswer = {
  status: 400,
  body: { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] },
};

const UNAVAILABLE: RouteAnswer = {
  status: 503,
  body: { status: 'unavailable', message: 'Beacon cannot reach its store (Redis) right now; nothing was accepted. Retry later.', errors: [] },
  headers: { 'retry-after': '5' },
};

/**
 * The job of an event is named by its body and the window it arrived in: a sender's retry within
 * it is taken once, while the same body later (a trigger firing again after its resolve, which
 * Alertmanager sends byte for byte the same) is a new notification. One incident per dedup_key
 * holds either way: that is the group's doing, not the job id's.
 */
export const RETRY_WINDOW_MS = 10_000;

type Counted = 'alertsReceived' | 'changesReceived';

/** The body as an object, the routing key's scope, or the answer that ends the request here. */
type Admitted = { ok: true; body: Record<string, unknown>; scope?: RoutingScope } | { ok: false; answer: RouteAnswer };

/**
 * JSON object and routing key, before anything else: an unknown key is refused whatever else the
 * body says. A missing or blank key is left to the event's validation, which names it with the
 * event's other problems, as PagerDuty does.
 */
function admit(deps: SenderDeps, raw: Buffer, counter: Counted, source: string): Admitted {
  const json = parseJson(raw);
  if (!json.ok || typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
    deps.metrics[counter].inc({ source, outcome: 'rejected' });
    return { ok: false, answer: UNRECOGNIZED };
  }
  const body = json.value as Record<string, unknown>;
  const presented = body.routing_key;
  if (typeof presented !== 'string' || presented.trim() === '') return { ok: true, body };
  // Every configured key is compared, so the time taken says nothing about which one matched.
  let found: { key: string; service?: string } | undefined;
  for (const k of deps.senders.pagerdutyRoutingKeys) if (safeEqual(presented, k.key) && !found) found = k;
  if (!found) {
    deps.metrics[counter].inc({ source, outcome: 'unauthorized' });
    deps.log.info({ route: source }, 'PagerDuty event with a routing key Beacon does not take: refused');
    return { ok: false, answer: invalid([PD_ERRORS.invalidRoutingKey]) };
  }
  return { ok: true, body, scope: routingScope(found.key, found.service) };
}

/** `POST /pagerduty/v2/enqueue`: trigger, acknowledge or resolve one alert by its dedup_key. */
export async function handleEnqueue(deps: SenderDeps, req: RouteRequest): Promise<RouteAnswer> {
  const admitted = admit(deps, req.raw, 'alertsReceived', EVENTS_SOURCE);
  if (!admitted.ok) return admitted.answer;
  const parsed = parsePagerDutyEvent(admitted.body);
  if (!parsed.success || !admitted.scope) {
    deps.metrics.alertsReceived.inc({ source: EVENTS_SOURCE, outcome: 'rejected' });
    return invalid(parsed.success ? [PD_ERRORS.routingKeyBlank] : parsed.errors);
  }
  const scope = admitted.scope;
  const dedupKey = parsed.data.dedupKey ?? madeDedupKey(scope.scope, req.raw);
  const alert = normalizePagerDutyEvent(parsed.data, { ...scope, dedupKey, now: deps.now() });
  const delivery = webhookDelivery(`${EVENTS_SOURCE}@${Math.floor(deps.now().getTime() / RETRY_WINDOW_MS)}`, undefined, req.raw);
  if ((await enqueueAlerts(deps, EVENTS_SOURCE, delivery, [alert])) !== 'accepted') return UNAVAILABLE;
  return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
}

/** `POST /pagerduty/v2/change/enqueue`: one change of the routing key's service (else `payload.source`). */
export async function handleChangeEnqueue(deps: SenderDeps, req: RouteRequest): Promise<RouteAnswer> {
  const admitted = admit(deps, req.raw, 'changesReceived', CHANGES_SOURCE);
  if (!admitted.ok) return admitted.answer;
  const parsed = parsePagerDutyChange(admitted.body);
  if (!parsed.success || !admitted.scope) {
    deps.metrics.changesReceived.inc({ source: CHANGES_SOURCE, outcome: 'rejected' });
    return invalid(parsed.success ? [PD_ERRORS.routingKeyBlank] : parsed.errors);
  }
  const processed: RouteAnswer = { status: 202, body: { status: 'success', message: 'Change event processed' } };
  const change = normalizePagerDutyChange(parsed.data, { ...(admitted.scope.service ? { service: admitted.scope.service } : {}), now: deps.now() });
  if (!change) {
    // PagerDuty takes it (the key is its service); Beacon has no service to put it under.
    deps.metrics.changesReceived.inc({ source: CHANGES_SOURCE, outcome: 'ignored' });
    deps.log.warn({ route: CHANGES_SOURCE }, 'PagerDuty change event without a service: name one in PAGERDUTY_ROUTING_KEYS (key=service) or send payload.source');
    return processed;
  }
  if ((await enqueueChanges(deps, CHANGES_SOURCE, [change])) !== 'accepted') return UNAVAILABLE;
  return processed;
}

const at = (path: string) => (method: string, p: string) => (method === 'POST' && (p === path || p === `${path}/`) ? {} : null);

/** The two routes, registered in `sender-routes.ts`. */
export function pagerdutyEventsRoutes(deps: SenderDeps): BodyRoute[] {
  return [
    { name: EVENTS_SOURCE, match: at('/pagerduty/v2/enqueue'), handle: (req) => handleEnqueue(deps, req) },
    { name: CHANGES_SOURCE, match: at('/pagerduty/v2/change/enqueue'), handle: (req) => handleChangeEnqueue(deps, req) },
  ];
}

import type { IncomingHttpHeaders } from 'node:http';
import type { SenderConfig } from '../config.js';
import type { IntakeDeps } from './intake-pipe.js';

/** What a route answers: a status, a JSON body, headers. */
export interface RouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteRequest {
  method: string;
  url: URL;
  /** The path's parameters, as the route's `match` read them. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The raw body (kept raw for signature checks), at most MAX_BODY_BYTES. */
  raw: Buffer;
}

/**
 * A route that takes a body (POST or PUT): the server reads the body with its limit (413) and
 * hands it over. Each sender that speaks its own API (PagerDuty Events v2, Opsgenie, GitHub,
 * Vault) is one of these, listed in sender-routes.ts (which wiring.ts hands to the server).
 */
export interface BodyRoute {
  /** The label of its metrics (`beacon_webhook_duration_seconds{route}`). */
  name: string;
  /** The path's parameters when this route takes the request, else null. */
  match(method: string, path: string): Record<string, string> | null;
  handle(req: RouteRequest): Promise<RouteAnswer>;
}

/** What a sender's routes need: the intake pipe, who may send, and the shared webhook token. */
export interface SenderDeps extends IntakeDeps {
  senders: SenderConfig;
  /** WEBHOOK_TOKEN: the fallback credential where a sender has none of its own configured. */
  token: string;
}

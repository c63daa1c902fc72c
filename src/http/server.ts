import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ALERT_SOURCES, type WebhookSource } from '../domain.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { BodyTooLarge, MAX_BODY_BYTES, readBody } from './body.js';
import { sendJson, sendText } from './respond.js';
import type { BodyRoute } from './routes.js';
import { handleAlertWebhook, handleChangeWebhook, type WebhookAnswer, type WebhookDeps } from './webhooks.js';

export interface HttpDeps {
  webhooks: WebhookDeps;
  metrics: Metrics;
  log: Logger;
  /** True while Redis answers. */
  ready: () => Promise<boolean>;
  /** Bolt's receiver for `/slack/events`; absent in Socket Mode. */
  slack?: (req: IncomingMessage, res: ServerResponse, raw: Buffer) => Promise<void>;
  /**
   * Routes added by later capabilities (`GET /incidents/<id>/postmortem.md`, the web pages). They
   * get GET and HEAD, and the form POSTs in FORM_POSTS (`POST /auth/logout`), whose route reads
   * the small body itself (`readBody` with its own limit).
   */
  extraRoutes?: ((req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>)[];
  /** Routes that take a body, each a sender speaking its own API (PagerDuty Events v2, Opsgenie, GitHub, Vault). */
  bodyRoutes?: BodyRoute[];
}

const WEBHOOK_ROUTE = /^\/webhooks\/([a-z]+)$/;

/** The browser form POSTs handed to the extra routes: signing out of the web pages. */
const FORM_POSTS = new Set(['/auth/logout']);

/** How much of an oversized body is read and thrown away so the sender gets to read its 413. */
const DISCARD_BYTES = 16 * 1024 * 1024;
const DISCARD_MS = 10_000;

/**
 * After a 413: closing the socket while the sender is still writing makes its next write fail
 * with a reset, and the sender never reads the 413 (it retries instead of giving up). So the rest
 * of the body is read and dropped, but never more than 16 MiB or for longer than 10 s.
 */
function discardRest(req: IncomingMessage): void {
  let seen = 0;
  const stop = () => {
    clearTimeout(timer);
    req.socket?.destroy();
  };
  const timer = setTimeout(stop, DISCARD_MS);
  timer.unref();
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > DISCARD_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function findBodyRoute(routes: BodyRoute[] | undefined, method: string, path: string): { route: BodyRoute; params: Record<string, string> } | undefined {
  for (const route of routes ?? []) {
    const params = route.match(method, path);
    if (params) return { route, params };
  }
  return undefined;
}

/** A browser form POST (FORM_POSTS) handed to the extra routes; false when none of them took it. */
async function tookFormPost(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (req.method !== 'POST' || !FORM_POSTS.has(url.pathname)) return false;
  for (const extra of deps.extraRoutes ?? []) if (await extra(req, res, url)) return true;
  return false;
}

/**
 * Beacon's one HTTP server: Slack, webhooks, health and metrics. Does no slow work: every POST
 * is verified, validated and queued, then answered.
 */
export function createHttpServer(deps: HttpDeps): Server {
  const { log, metrics } = deps;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://beacon.local');
    } catch {
      // An absolute-form target that is no URL (`POST http://[/webhooks/generic`): the sender's fault.
      return sendJson(res, 400, { error: 'invalid request target' });
    }
    const path = url.pathname;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/healthz') return sendText(res, 200, 'ok\n');
      if (path === '/readyz') return (await deps.ready()) ? sendText(res, 200, 'ready\n') : sendText(res, 503, 'redis unreachable\n');
      if (path === '/metrics') return sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
      for (const extra of deps.extraRoutes ?? []) if (await extra(req, res, url)) return;
      return sendJson(res, 404, { error: 'not found' });
    }
    const method = req.method ?? '';
    if (await tookFormPost(deps, req, res, url)) return;
    const own = method === 'POST' || method === 'PUT' ? findBodyRoute(deps.bodyRoutes, method, path) : undefined;
    if (method !== 'POST' && !own) return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, POST' });

    const isSlack = path === '/slack/events';
    const hook = WEBHOOK_ROUTE.exec(path)?.[1];
    const known = own || isSlack || (hook !== undefined && (hook === 'changes' || (ALERT_SOURCES as readonly string[]).includes(hook)));
    if (!known) return sendJson(res, 404, { error: 'not found' });
    if (isSlack && !deps.slack) return sendJson(res, 404, { error: 'Slack traffic arrives over Socket Mode on this install' });

    const started = process.hrtime.bigint();
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
        discardRest(req);
        return;
      }
      // The sender hung up mid-body: nothing was taken, nobody to answer.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || (err as Error).message === 'aborted') {
        log.debug({ path }, 'sender disconnected while sending the body');
        res.destroy();
        return;
      }
      throw err;
    }
    if (isSlack) return deps.slack!(req, res, raw);
    if (own) {
      const answer = await own.route.handle({ method, url, params: own.params, headers: req.headers, raw });
      sendJson(res, answer.status, answer.body, answer.headers);
      metrics.webhookLatency.observe({ route: own.route.name, status: String(answer.status) }, Number(process.hrtime.bigint() - started) / 1e9);
      return;
    }

    const answer: WebhookAnswer =
      hook === 'changes'
        ? await handleChangeWebhook(deps.webhooks, raw, req.headers)
        : await handleAlertWebhook(deps.webhooks, hook as WebhookSource, raw, req.headers);
    sendJson(res, answer.status, answer.body, answer.headers);
    metrics.webhookLatency.observe({ route: hook!, status: String(answer.status) }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err) => {
      log.error({ err, path: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Slow-loris guard: a sender gets 30 s for its whole request.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

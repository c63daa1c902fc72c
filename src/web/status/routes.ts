import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusReport } from '../../status/model.js';
import { readStatus } from '../../status/page.js';
import { StatusStore } from '../../status/store.js';
import { sendPage } from '../page.js';
import type { WebSources } from '../sources.js';
import { renderStatusBody } from './render.js';

/** Public pages may be cached this long: a busy status page is read from Redis once per few seconds. */
export const STATUS_CACHE_SECONDS = 5;
/** The shape version of `/status.json` (README, "Status page"); it only ever grows within a version. */
export const STATUS_JSON_VERSION = 1;

export type StatusRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** `/status.json`: the page's model as data; `<` is written `\u003c` so that no reader can take it for markup. */
function sendJson(res: ServerResponse, report: StatusReport): void {
  const body = `${JSON.stringify({ version: STATUS_JSON_VERSION, ...report }).replace(/</g, '\\u003c')}\n`;
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': `public, max-age=${STATUS_CACHE_SECONDS}`,
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendPlain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'", 'x-content-type-options': 'nosniff', ...headers });
  res.end(`${text}\n`);
}

/**
 * `GET /status` (HTML) and `GET /status.json`: the public status page, no sign-in. True when the
 * request was one of these (answered), false for any other path (the router goes on).
 */
export function statusRoutes(src: WebSources): StatusRoute {
  const sources = { status: new StatusStore(src.redis, src.keys), incidents: src.incidents };
  return async (req, res, url) => {
    const json = url.pathname === '/status.json';
    if (!json && url.pathname !== '/status') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendPlain(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
      return true;
    }
    let report: StatusReport;
    try {
      report = await readStatus(sources, src.now());
    } catch {
      // Redis away: say so briefly, never an old or half page; the reader retries.
      sendPlain(res, 503, 'The status page is unavailable for a moment. Try again shortly.', { 'retry-after': String(STATUS_CACHE_SECONDS) });
      return true;
    }
    if (json) sendJson(res, report);
    else
      sendPage(res, {
        title: 'Status',
        body: renderStatusBody(report),
        nav: 'status',
        cacheSeconds: STATUS_CACHE_SECONDS,
        signedInNav: false,
        styles: ['status'],
        scripts: ['localtime'],
      });
    return true;
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveAsset } from './assets.js';
import type { SignedIn, WebAuth } from './auth/types.js';
import { incidentPage } from './incidents/detail.js';
import { listPage } from './incidents/list.js';
import type { WebSources } from './sources.js';

/** A route as the HTTP server takes it: true once it answered, false to let the next one try. */
export type WebRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface WebRouteDeps {
  src: WebSources;
  /** Sign in with Slack; absent (SLACK_CLIENT_ID unset): every signed-in page is a 404. */
  auth?: WebAuth;
  /** `GET /insights` for a signed-in viewer (src/web/insights/page.ts). */
  insights?: (req: IncomingMessage, res: ServerResponse, url: URL, who: SignedIn) => Promise<void>;
  /** `GET /status`, `GET /status.json`: public, no sign-in (src/web/status/routes.ts). */
  status?: WebRoute;
}

const ONE = /^\/incidents\/([a-z0-9]{1,40})$/;

type Page = { kind: 'list' } | { kind: 'one'; id: string } | { kind: 'insights' };

function pageOf(path: string): Page | null {
  if (path === '/incidents' || path === '/incidents/') return { kind: 'list' };
  if (path === '/insights') return { kind: 'insights' };
  const id = ONE.exec(path)?.[1];
  return id ? { kind: 'one', id } : null;
}

/** Where to come back to after signing in: this path and query, never another site. */
const returnTo = (url: URL) => `${url.pathname}${url.search}`.slice(0, 2000);

/**
 * Beacon's web pages, mounted on the HTTP server's GET routes: `/assets/*`, the public status
 * page, Sign in with Slack (`/auth/*`), and the pages for signed-in members (`/incidents`,
 * `/incidents/<id>`, `/insights`). Without auth those answer false, so the server's 404 is the
 * same as for any unknown path: they are never open to everyone. Signed out: sent to sign in.
 */
export function webRoutes(d: WebRouteDeps): WebRoute {
  return async (req, res, url) => {
    const path = url.pathname;
    if (path.startsWith('/assets/')) return serveAsset(req, res, url);
    if (d.status && (await d.status(req, res, url))) return true;
    const auth = d.auth;
    if (!auth) return false;
    if (await auth.route(req, res, url)) return true;
    if (path === '/') {
      res.writeHead(302, { location: '/incidents', 'content-length': 0 });
      res.end();
      return true;
    }
    const page = pageOf(path);
    if (!page || (page.kind === 'insights' && !d.insights)) return false;
    const who = await auth.viewer(req);
    if (!who) {
      auth.signIn(res, returnTo(url));
      return true;
    }
    if (page.kind === 'insights') await d.insights!(req, res, url, who);
    else if (page.kind === 'list') await listPage(d.src, auth, who, res, url);
    else await incidentPage(d.src, auth, who, res, page.id);
    return true;
  };
}

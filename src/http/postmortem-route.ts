import type { IncomingMessage, ServerResponse } from 'node:http';
import { gatherPostmortem, type ReportSources } from '../reports/gather.js';
import { renderPostmortem } from '../reports/postmortem.js';
import type { WebAuth } from '../web/auth/types.js';
import { canSee } from '../web/incidents/access.js';
import { webhookTokenOk } from './auth.js';
import { sendJson, sendText } from './respond.js';

const ROUTE = /^\/incidents\/([a-z0-9]{1,40})\/postmortem\.md$/;

const notFound = (res: ServerResponse) => sendJson(res, 404, { error: 'no such incident' });

/**
 * Who may read the draft: a tool with the webhook credentials (any incident), or, with Sign in
 * with Slack, a signed-in viewer (a private incident only for members of its channel; otherwise
 * the same 404 as an unknown id). A browser without a session is sent to sign in; anything else
 * without credentials gets the 401 it always got.
 */
async function allowed(req: IncomingMessage, res: ServerResponse, url: URL, src: ReportSources, id: string, token: string, auth?: WebAuth): Promise<boolean> {
  if (webhookTokenOk(req.headers.authorization, token)) return true;
  const who = auth && !req.headers.authorization ? await auth.viewer(req) : null;
  if (auth && who) {
    const incident = await src.incidents.get(id);
    if (incident && (await canSee(auth, who.viewer, incident))) return true;
    notFound(res);
    return false;
  }
  if (auth && !req.headers.authorization && /text\/html/.test(req.headers.accept ?? '')) {
    auth.signIn(res, url.pathname);
    return false;
  }
  sendJson(res, 401, { error: 'send Authorization: Bearer <WEBHOOK_TOKEN>' }, { 'www-authenticate': 'Bearer realm="beacon"' });
  return false;
}

/**
 * `GET /incidents/<id>/postmortem.md`: the same document as `/incident postmortem`, for tools
 * (webhook credentials) and for the incident page's download link (a signed-in viewer).
 */
export function postmortemRoute(src: ReportSources, token: string, now: () => Date, auth?: WebAuth) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const m = ROUTE.exec(url.pathname);
    if (!m) return false;
    if (!(await allowed(req, res, url, src, m[1]!, token, auth))) return true;
    const input = await gatherPostmortem(src, m[1]!, now());
    if (!input) {
      notFound(res);
      return true;
    }
    // A private incident's draft must stay out of shared caches; never sniffed into HTML.
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    sendText(res, 200, renderPostmortem(input), 'text/markdown; charset=utf-8');
    return true;
  };
}

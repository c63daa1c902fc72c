import type { IncomingMessage, ServerResponse } from 'node:http';
import { gatherPostmortem, type ReportSources } from '../reports/gather.js';
import { renderPostmortem } from '../reports/postmortem.js';
import { webhookTokenOk } from './auth.js';
import { sendJson, sendText } from './respond.js';

const ROUTE = /^\/incidents\/([a-z0-9]{1,40})\/postmortem\.md$/;

/** `GET /incidents/<id>/postmortem.md`: the same document as `/incident postmortem`, for tools. */
export function postmortemRoute(src: ReportSources, token: string, now: () => Date) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const m = ROUTE.exec(url.pathname);
    if (!m) return false;
    if (!webhookTokenOk(req.headers.authorization, token)) {
      sendJson(res, 401, { error: 'send Authorization: Bearer <WEBHOOK_TOKEN>' }, { 'www-authenticate': 'Bearer realm="beacon"' });
      return true;
    }
    const input = await gatherPostmortem(src, m[1]!, now());
    if (!input) {
      sendJson(res, 404, { error: 'no such incident' });
      return true;
    }
    sendText(res, 200, renderPostmortem(input), 'text/markdown; charset=utf-8');
    return true;
  };
}

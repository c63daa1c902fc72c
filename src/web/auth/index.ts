/**
 * Sign in with Slack for the web pages (issue 14): OpenID Connect against Slack with
 * openid-client (`oidc.ts`), sign-ins under way kept single-use in Redis (`sign-in-state.ts`),
 * sessions in Redis behind an HS256-signed cookie (`session.ts`), the routes (`routes.ts`),
 * channel membership for private incidents (`membership.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSlackGateway } from '../../slack/gateway.js';
import { SlackWorkspace } from './membership.js';
import { SlackOidc } from './oidc.js';
import { refuse } from './refusals.js';
import { AuthRoutes } from './routes.js';
import { Sessions } from './session.js';
import { localPath, SignIns } from './sign-in-state.js';
import type { SignedIn, WebAuth, WebAuthDeps } from './types.js';

export type { SignedIn, WebAuth, WebAuthDeps } from './types.js';

/** Builds the WebAuth the pages use. Throws when an endpoint is plain http off this machine. */
export function createWebAuth(d: WebAuthDeps): WebAuth {
  const secure = (d.publicUrl ?? '').startsWith('https://');
  const sessions = new Sessions({ redis: d.redis, keys: d.keys, secret: d.oidc.sessionSecret, now: d.now, secure });
  const channelMembers =
    d.channelMembers ??
    ((gw) => (id: string) => gw.channelMembers(id))(createSlackGateway({ token: d.botToken, apiUrl: d.slackApiUrl, log: d.log }));
  const workspace = new SlackWorkspace({ slackApiUrl: d.slackApiUrl, botToken: d.botToken, log: d.log, now: d.now, channelMembers });
  const oidc = new SlackOidc({ clientId: d.oidc.clientId, clientSecret: d.oidc.clientSecret, oauthUrl: d.oidc.oauthUrl, apiUrl: d.slackApiUrl, pkce: d.pkce ?? false });
  const routes = new AuthRoutes({ oidc, signIns: new SignIns(d.redis, d.keys), sessions, workspace, log: d.log, ...(d.publicUrl ? { publicUrl: d.publicUrl } : {}), port: d.port, secure });

  return {
    async viewer(req: IncomingMessage): Promise<SignedIn | null> {
      const s = await sessions.read(req);
      return s ? { viewer: s.viewer, csrf: sessions.csrf(s.id) } : null;
    },
    isMember: (viewer, channelId) => workspace.isMember(viewer.userId, channelId),
    signIn(res: ServerResponse, returnTo: string): void {
      res.writeHead(303, { location: `/auth/slack?next=${encodeURIComponent(localPath(returnTo))}`, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
    },
    async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
      const method = req.method ?? 'GET';
      const want = { '/auth/slack': 'GET', '/auth/slack/callback': 'GET', '/auth/logout': 'POST' }[url.pathname];
      if (!want) return false;
      if (method !== want) {
        res.setHeader('allow', want);
        refuse(res, 'method');
      } else if (url.pathname === '/auth/slack') await routes.start(req, res, url);
      else if (url.pathname === '/auth/slack/callback') await routes.callback(req, res, url);
      else await routes.logout(req, res);
      return true;
    },
  };
}

/**
 * `openid.*`: Sign in with Slack's two Web API methods. They authenticate the app by its client
 * credentials (`openid.connect.token`) or by the user's own token (`openid.connect.userInfo`),
 * never by the bot token, so the endpoint hands them the token it read (see `http.ts`).
 */
import { signInOf } from '../oidc.js';
import type { Handler } from '../workspace.js';

export const openidMethods: Record<string, Handler> = {
  'openid.connect.token': (p, ws) => signInOf(ws).redeem(p),
  'openid.connect.userInfo': (p, ws) => signInOf(ws).userInfo(p),
};

/** Methods that check their own credentials instead of the bot token. */
export const SELF_AUTHENTICATED = new Set(Object.keys(openidMethods));

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebConfig } from '../../config.js';
import type { Keys } from '../../keys.js';
import type { Logger } from '../../log.js';
import type { Redis } from '../../redis.js';
import type { Viewer } from '../page.js';

/** A signed-in viewer and the CSRF token of their session (for the sign-out form). */
export interface SignedIn {
  viewer: Viewer;
  csrf: string;
}

/**
 * Sign in with Slack, as the pages see it (implemented in `src/web/auth/`). Absent when
 * SLACK_CLIENT_ID is unset: then every signed-in page answers 404.
 */
export interface WebAuth {
  /** The viewer of a request with a valid, unexpired session cookie, else null. */
  viewer(req: IncomingMessage): Promise<SignedIn | null>;
  /** Is the viewer a member of this channel (`conversations.members`, cached briefly)? */
  isMember(viewer: Viewer, channelId: string): Promise<boolean>;
  /** Sends the browser to sign in, coming back to `returnTo` (a path on this site) afterwards. */
  signIn(res: ServerResponse, returnTo: string): void;
  /** `GET /auth/slack`, `GET /auth/slack/callback`, `POST /auth/logout`; false for other paths. */
  route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

/** What `createWebAuth` (src/web/auth/index.ts) is built from, in wiring.ts. */
export interface WebAuthDeps {
  oidc: NonNullable<WebConfig['oidc']>;
  /** PUBLIC_URL; unset: the redirect goes to http://127.0.0.1:<port>. */
  publicUrl?: string;
  port: number;
  /** SLACK_API_URL (openid.connect.token, openid.connect.userInfo, conversations.members, auth.test). */
  slackApiUrl: string;
  botToken: string;
  redis: Redis;
  keys: Keys;
  log: Logger;
  now: () => Date;
  /**
   * Send a PKCE challenge with the sign-in (default false). Slack takes PKCE arguments only from
   * apps with its PKCE setting on, which makes the app a public client for good, and it has been
   * seen to fail (`internal_error`) when PKCE and the client secret come together; Beacon is a
   * confidential client and checks `state` and `nonce`, which OpenID Connect accepts in PKCE's
   * place. The simulator checks PKCE when it is sent.
   */
  pkce?: boolean;
  /** A channel's members (`conversations.members`, every page); default: a Slack gateway of its own on the bot token. */
  channelMembers?: (channelId: string) => Promise<string[]>;
}

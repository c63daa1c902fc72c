import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.js';
import { BodyTooLarge, readBody } from '../../http/body.js';
import { clearCookie, cookieName, readCookie, setCookie } from './cookies.js';
import type { SlackWorkspace } from './membership.js';
import { SignInFailed, type SlackOidc } from './oidc.js';
import { refuse } from './refusals.js';
import type { Sessions } from './session.js';
import { DEFAULT_RETURN, localPath, SIGN_IN_TTL_S, type SignIns } from './sign-in-state.js';

/** A sign-out form is a few dozen bytes. */
const LOGOUT_BODY_LIMIT = 4096;

export interface AuthRouteDeps {
  oidc: SlackOidc;
  signIns: SignIns;
  sessions: Sessions;
  workspace: SlackWorkspace;
  log: Logger;
  publicUrl?: string;
  port: number;
  secure: boolean;
}

const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
}

/** `GET /auth/slack`, `GET /auth/slack/callback`, `POST /auth/logout`. */
export class AuthRoutes {
  private readonly stateCookie: string;

  constructor(private readonly d: AuthRouteDeps) {
    this.stateCookie = cookieName('beacon_sign_in', d.secure);
  }

  /**
   * This site's origin: PUBLIC_URL's; unset, the loopback host the browser used (so that
   * `localhost` and `127.0.0.1` each keep their own cookies), else 127.0.0.1 and the port.
   */
  siteOrigin(req: IncomingMessage): string {
    if (this.d.publicUrl) return new URL(this.d.publicUrl).origin;
    const host = req.headers.host ?? '';
    return LOCAL_HOST.test(host) ? `http://${host}` : `http://127.0.0.1:${this.d.port}`;
  }

  private redirectUri(req: IncomingMessage): string {
    return `${this.d.publicUrl ?? this.siteOrigin(req)}/auth/slack/callback`;
  }

  /** Sends the browser to Slack's authorize page, remembering the sign-in for its way back. */
  async start(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const returnTo = localPath(url.searchParams.get('next') ?? undefined);
    const redirectUri = this.redirectUri(req);
    const team = await this.d.workspace.teamId().catch(() => undefined);
    const s = await this.d.oidc.start(redirectUri, team);
    await this.d.signIns.save(s.state, { nonce: s.nonce, ...(s.verifier ? { verifier: s.verifier } : {}), returnTo, redirectUri });
    res.setHeader('set-cookie', setCookie(this.stateCookie, s.state, { maxAge: SIGN_IN_TTL_S, secure: this.d.secure }));
    redirect(res, 302, s.url.href);
  }

  /** Slack sends the browser back here: check the state, redeem the code, check the team, start a session. */
  async callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const state = url.searchParams.get('state');
    const expected = readCookie(req, this.stateCookie);
    // The sign-in cookie has done its work whatever happens next.
    res.setHeader('set-cookie', clearCookie(this.stateCookie, this.d.secure));
    if (!state || !expected || state.length > 200 || !sameText(state, expected)) {
      this.d.log.warn({ hasState: Boolean(state), hasCookie: Boolean(expected) }, 'web: sign-in refused: state does not match this browser');
      return refuse(res, 'badState', DEFAULT_RETURN);
    }
    const signIn = await this.d.signIns.take(state);
    if (!signIn) {
      this.d.log.warn('web: sign-in refused: state unknown, expired or already used');
      return refuse(res, 'usedState', DEFAULT_RETURN);
    }
    const current = new URL(signIn.redirectUri);
    current.search = url.search;
    let who;
    try {
      who = await this.d.oidc.finish(current, { state, nonce: signIn.nonce, ...(signIn.verifier ? { verifier: signIn.verifier } : {}) });
    } catch (err) {
      if (!(err instanceof SignInFailed)) throw err;
      this.d.log.warn({ kind: err.kind, detail: err.detail }, 'web: sign-in refused by the OpenID Connect checks');
      return refuse(res, err.kind, signIn.returnTo);
    }
    let team: string;
    try {
      team = await this.d.workspace.teamId();
    } catch (err) {
      this.d.log.error({ err }, 'web: auth.test failed; cannot tell which workspace is Beacon’s');
      return refuse(res, 'unreachable', signIn.returnTo);
    }
    if (who.teamId !== team) {
      this.d.log.warn({ userId: who.userId, teamId: who.teamId }, 'web: sign-in refused: another workspace');
      return refuse(res, 'otherTeam');
    }
    const cookie = await this.d.sessions.create({ userId: who.userId, teamId: who.teamId, name: who.name });
    res.setHeader('set-cookie', [clearCookie(this.stateCookie, this.d.secure), cookie]);
    this.d.log.info({ userId: who.userId }, 'web: signed in with Slack');
    redirect(res, 303, signIn.returnTo);
  }

  /** Origin (or, without it, Referer) when the browser sent one must be this site. */
  private fromThisSite(req: IncomingMessage): boolean {
    const site = this.siteOrigin(req);
    const origin = req.headers.origin;
    if (origin !== undefined) return origin === site;
    const referer = req.headers.referer;
    if (referer === undefined) return true;
    try {
      return new URL(referer).origin === site;
    } catch {
      return false;
    }
  }

  /** Ends the session: the form's CSRF token must be the session's, and the form must be this site's. */
  async logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.fromThisSite(req)) {
      this.d.log.warn({ origin: req.headers.origin ?? null }, 'web: sign-out refused: from another site');
      req.resume();
      return refuse(res, 'notOwnForm');
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, LOGOUT_BODY_LIMIT);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      res.setHeader('connection', 'close');
      return refuse(res, 'tooLarge');
    }
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return refuse(res, 'badForm');
    const session = await this.d.sessions.read(req);
    if (session) {
      if (!this.d.sessions.csrfMatches(session.id, new URLSearchParams(raw.toString('utf8')).get('csrf'))) {
        this.d.log.warn({ userId: session.viewer.userId }, 'web: sign-out refused: CSRF token does not match');
        return refuse(res, 'notOwnForm');
      }
      await this.d.sessions.revoke(session.id);
      this.d.log.info({ userId: session.viewer.userId }, 'web: signed out');
    }
    res.setHeader('set-cookie', this.d.sessions.clear());
    redirect(res, 303, '/status');
  }
}

/**
 * Sign in with Slack (OpenID Connect) as the simulator plays it: Slack's discovery document, the
 * keys that sign id_tokens (`/openid/connect/keys`), the authorize page
 * (`/openid/connect/authorize`: pick a person, come back to the app with a code), and the codes
 * and user tokens that `openid.connect.token` and `openid.connect.userInfo` (methods/openid.ts)
 * redeem. Codes are single-use and last ten minutes, as Slack's do; a code used twice also
 * revokes the token it bought (RFC 6749 §4.1.2).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { sendJson, sendText } from '../../http/respond.js';
import { html, type Html } from '../../web/html.js';
import { ApiError, str, type Obj, type Params } from './args.js';
import type { SimUser } from './types.js';
import type { Workspace } from './workspace.js';

/** The simulated app's credentials, unless the simulator is given others. */
export const SIM_CLIENT_ID = '1000000001.2000000002';
export const SIM_CLIENT_SECRET = 'sim-client-secret-5e0b9c1d2a3f4e6b7c8d';

const CODE_TTL_MS = 10 * 60_000;
const ID_TOKEN_TTL_S = 60 * 60;
const KNOWN_SCOPES = new Set(['openid', 'profile', 'email']);

/**
 * Another workspace. Sign in with Slack lets anyone with a Slack account through, whatever their
 * workspace, so its people appear on the authorize page too: Beacon must turn them away.
 */
export const OTHER_TEAM = {
  id: 'T0OTHERTEAM',
  name: 'Elsewhere Inc',
  domain: 'elsewhere',
  users: [{ id: 'U0OUTSIDER', name: 'mallory', real_name: 'Mallory Moss', is_bot: false }] as SimUser[],
};

/** What a test can make the next id_token get wrong, to see the app refuse it. */
export type IdTokenFault = 'unknown_key' | 'wrong_audience' | 'wrong_issuer' | 'wrong_nonce' | 'expired';

interface Person {
  user: SimUser;
  team: { id: string; name: string; domain: string };
}

interface AuthRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  challenge?: { value: string; method: 'S256' | 'plain' };
}

interface Grant {
  clientId: string;
  redirectUri: string;
  person: Person;
  scopes: string[];
  challenge?: AuthRequest['challenge'];
  idToken: string;
  expiresAt: number;
  used: boolean;
  accessToken?: string;
}

type Checked = { ok: true; req: AuthRequest } | { ok: false; page: string } | { ok: false; redirect: URL };

const PROVIDERS = new WeakMap<Workspace, SignInWithSlack>();

/** The workspace's Sign in with Slack, for the Web API methods (which get the workspace only). */
export function signInOf(ws: Workspace): SignInWithSlack {
  const p = PROVIDERS.get(ws);
  if (!p) throw new Error('SlackSimulator: no Sign in with Slack for this workspace');
  return p;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const b64url = (b: Buffer) => b.toString('base64url');

export class SignInWithSlack {
  readonly clientId: string;
  private readonly clientSecret: string;
  private readonly redirectUrls: readonly string[] | undefined;
  private readonly grants = new Map<string, Grant>();
  private readonly tokens = new Map<string, { person: Person; scopes: string[] }>();
  private keys: Promise<{ privateKey: CryptoKey; jwk: JWK }> | undefined;
  private strangerKey: Promise<CryptoKey> | undefined;
  private nextFault: IdTokenFault | undefined;

  constructor(
    private readonly ws: Workspace,
    opts: { clientId?: string; clientSecret?: string; redirectUrls?: readonly string[] },
  ) {
    this.clientId = opts.clientId ?? SIM_CLIENT_ID;
    this.clientSecret = opts.clientSecret ?? SIM_CLIENT_SECRET;
    this.redirectUrls = opts.redirectUrls;
    PROVIDERS.set(ws, this);
  }

  /** `https://slack.com` on Slack; the simulator's origin here. */
  get issuer(): string {
    if (!this.ws.origin) throw new Error('SlackSimulator not started');
    return this.ws.origin;
  }

  /** The next id_token issued gets this wrong (once). */
  tamperNextIdToken(fault: IdTokenFault): void {
    this.nextFault = fault;
  }

  /** Slack's `/.well-known/openid-configuration`, with the simulator's origin for slack.com. */
  discovery(): Obj {
    const o = this.issuer;
    return {
      issuer: o,
      authorization_endpoint: `${o}/openid/connect/authorize`,
      token_endpoint: `${o}/api/openid.connect.token`,
      userinfo_endpoint: `${o}/api/openid.connect.userInfo`,
      jwks_uri: `${o}/openid/connect/keys`,
      scopes_supported: ['openid', 'profile', 'email'],
      response_types_supported: ['code'],
      response_modes_supported: ['form_post'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'auth_time', 'iss'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: true,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    };
  }

  /** The simulator's routes outside `/api/`; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const path = url.pathname;
    if (path === '/.well-known/openid-configuration' && req.method === 'GET') {
      sendJson(res, 200, this.discovery());
      return true;
    }
    if (path === '/openid/connect/keys' && req.method === 'GET') {
      sendJson(res, 200, { keys: [(await this.signingKeys()).jwk] });
      return true;
    }
    if (path !== '/openid/connect/authorize') return false;
    if (req.method === 'GET') this.authorizePage(res, url.searchParams);
    else if (req.method === 'POST') await this.authorizeDecision(res, new URLSearchParams(body.toString('utf8')));
    else sendText(res, 405, 'method not allowed');
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // The authorize page
  // -------------------------------------------------------------------------------------------

  /** Checks an authorization request as Slack does: a bad client or redirect_uri gets a page, the rest go back to the app. */
  private check(q: URLSearchParams): Checked {
    const clientId = q.get('client_id') ?? '';
    if (clientId !== this.clientId) return { ok: false, page: 'Invalid client_id parameter' };
    const redirectUri = q.get('redirect_uri') ?? this.redirectUrls?.[0] ?? '';
    if (!this.redirectAllowed(redirectUri)) return { ok: false, page: 'redirect_uri did not match any configured URIs' };
    const back = (error: string) => {
      const u = new URL(redirectUri);
      u.searchParams.set('error', error);
      if (q.get('state')) u.searchParams.set('state', q.get('state')!);
      return { ok: false as const, redirect: u };
    };
    if (q.get('response_type') !== 'code') return back('unsupported_response_type');
    const scopes = (q.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
    if (!scopes.includes('openid') || scopes.some((s) => !KNOWN_SCOPES.has(s))) return back('invalid_scope');
    const challenge = q.get('code_challenge');
    const method = q.get('code_challenge_method') ?? 'plain';
    if (challenge !== null && method !== 'S256' && method !== 'plain') return back('invalid_request');
    return {
      ok: true,
      req: {
        clientId,
        redirectUri,
        scopes,
        ...(q.get('state') !== null ? { state: q.get('state')! } : {}),
        ...(q.get('nonce') !== null ? { nonce: q.get('nonce')! } : {}),
        ...(challenge !== null ? { challenge: { value: challenge, method: method as 'S256' | 'plain' } } : {}),
      },
    };
  }

  /** Registered redirect URLs match exactly or by a sub-path, as Slack matches them; none registered, any http(s) URL. */
  private redirectAllowed(uri: string): boolean {
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      return false;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    if (!this.redirectUrls) return true;
    return this.redirectUrls.some((r) => uri === r || uri.startsWith(r.endsWith('/') ? r : `${r}/`));
  }

  private people(): { team: Person['team']; users: SimUser[] }[] {
    const home = { id: this.ws.teamId, name: 'Beacon Simulator', domain: this.ws.teamDomain };
    return [
      { team: home, users: [...this.ws.users.values()].filter((u) => !u.is_bot) },
      { team: { id: OTHER_TEAM.id, name: OTHER_TEAM.name, domain: OTHER_TEAM.domain }, users: OTHER_TEAM.users },
    ];
  }

  private authorizePage(res: ServerResponse, q: URLSearchParams): void {
    const checked = this.check(q);
    if (!checked.ok) return this.refuse(res, checked);
    const hidden = [...q.entries()].map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
    const sections = this.people().map(
      (g, i) =>
        html`<h2>${g.team.name}${i > 0 ? ' (another workspace)' : ''}</h2><ul>${g.users.map(
          (u) => html`<li><button type="submit" name="user" value="${g.team.id}:${u.id}">${u.real_name}</button> <span>@${u.name}</span></li>`,
        )}</ul>`,
    );
    const scopes = checked.req.scopes.join(', ');
    page(res, 200, 'Sign in with Slack', html`<h1>Sign in with Slack</h1><p>An app (client <code>${checked.req.clientId}</code>) asks who you are (${scopes}). Choose who signs in:</p><form method="post" action="/openid/connect/authorize">${hidden}${sections}<p><button type="submit" name="cancel" value="1">Cancel</button></p></form>`);
  }

  private async authorizeDecision(res: ServerResponse, form: URLSearchParams): Promise<void> {
    const checked = this.check(form);
    if (!checked.ok) return this.refuse(res, checked);
    const back = new URL(checked.req.redirectUri);
    if (checked.req.state !== undefined) back.searchParams.set('state', checked.req.state);
    if (form.get('cancel')) {
      back.searchParams.set('error', 'access_denied');
      return redirect(res, back);
    }
    const [teamId, userId] = (form.get('user') ?? '').split(':');
    const group = this.people().find((g) => g.team.id === teamId);
    const user = group?.users.find((u) => u.id === userId);
    if (!group || !user) return page(res, 400, 'Sign in with Slack', html`<h1>Nobody by that name</h1><p>Go back and choose someone on the list.</p>`);
    back.searchParams.set('code', await this.issueCode(checked.req, { user, team: group.team }));
    redirect(res, back);
  }

  private refuse(res: ServerResponse, checked: Exclude<Checked, { ok: true }>): void {
    if ('redirect' in checked) return redirect(res, checked.redirect);
    page(res, 400, 'Sign in with Slack', html`<h1>Something went wrong</h1><p>${checked.page}</p>`);
  }

  // -------------------------------------------------------------------------------------------
  // Codes, id_tokens and user tokens
  // -------------------------------------------------------------------------------------------

  private signingKeys(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
    this.keys ??= generateKeyPair('RS256').then(async ({ privateKey, publicKey }) => {
      const jwk = await exportJWK(publicKey);
      return { privateKey, jwk: { ...jwk, kid: b64url(randomBytes(8)), alg: 'RS256', use: 'sig' } };
    });
    return this.keys;
  }

  private async issueCode(req: AuthRequest, person: Person): Promise<string> {
    const now = Date.now();
    for (const [c, g] of this.grants) if (g.expiresAt < now - CODE_TTL_MS) this.grants.delete(c);
    const code = `${this.ws.teamId.slice(1)}.${b64url(randomBytes(24))}`;
    const idToken = await this.idToken(req, person, Math.floor(now / 1000));
    this.grants.set(code, {
      clientId: req.clientId,
      redirectUri: req.redirectUri,
      person,
      scopes: req.scopes,
      ...(req.challenge ? { challenge: req.challenge } : {}),
      idToken,
      expiresAt: now + CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  /** The identity claims Slack puts in the id_token and answers from openid.connect.userInfo. */
  claims(person: Person, scopes: string[]): Obj {
    const { user, team } = person;
    const [given, ...family] = user.real_name.split(' ');
    return {
      sub: user.id,
      'https://slack.com/user_id': user.id,
      'https://slack.com/team_id': team.id,
      ...(scopes.includes('email') ? { email: `${user.name}@${team.domain}.example.com`, email_verified: true, date_email_verified: 1_700_000_000 } : {}),
      ...(scopes.includes('profile')
        ? { name: user.real_name, given_name: given ?? '', family_name: family.join(' '), locale: 'en-US', picture: `https://secure.gravatar.com/avatar/${createHash('md5').update(user.id).digest('hex')}.png` }
        : {}),
      'https://slack.com/team_name': team.name,
      'https://slack.com/team_domain': team.domain,
    };
  }

  private async idToken(req: AuthRequest, person: Person, iat: number): Promise<string> {
    const fault = this.nextFault;
    this.nextFault = undefined;
    const key = fault === 'unknown_key' ? await (this.strangerKey ??= generateKeyPair('RS256').then((k) => k.privateKey)) : (await this.signingKeys()).privateKey;
    const nonce = fault === 'wrong_nonce' ? 'not-the-nonce-you-sent' : req.nonce;
    const issuedAt = fault === 'expired' ? iat - 2 * ID_TOKEN_TTL_S : iat;
    return new SignJWT({ ...this.claims(person, req.scopes), auth_time: issuedAt, ...(nonce !== undefined ? { nonce } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid: (await this.signingKeys()).jwk.kid!, typ: 'JWT' })
      .setIssuer(fault === 'wrong_issuer' ? 'https://slack.example.net' : this.issuer)
      .setAudience(fault === 'wrong_audience' ? 'another-app' : req.clientId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ID_TOKEN_TTL_S)
      .sign(key);
  }

  /** `openid.connect.token`: the app's credentials, then the code (single-use, ten minutes, same redirect_uri, PKCE). */
  redeem(p: Params): Obj {
    const clientId = str(p, 'client_id');
    if (!clientId || clientId !== this.clientId) throw new ApiError('invalid_client_id');
    const secret = str(p, 'client_secret');
    if (!secret || !safeEqual(secret, this.clientSecret)) throw new ApiError('bad_client_secret');
    const grantType = str(p, 'grant_type') ?? 'authorization_code';
    if (grantType !== 'authorization_code') throw new ApiError(grantType === 'refresh_token' ? 'invalid_refresh_token' : 'unsupported_grant_type');
    const grant = this.grants.get(str(p, 'code') ?? '');
    if (!grant || grant.clientId !== clientId) throw new ApiError('invalid_code');
    if (grant.used) {
      if (grant.accessToken) this.tokens.delete(grant.accessToken);
      throw new ApiError('invalid_code');
    }
    grant.used = true;
    if (Date.now() > grant.expiresAt) throw new ApiError('invalid_code');
    if (str(p, 'redirect_uri') !== grant.redirectUri) throw new ApiError('bad_redirect_uri');
    if (grant.challenge && !pkceMatches(grant.challenge, str(p, 'code_verifier'))) throw new ApiError('invalid_grant');
    const accessToken = `xoxp-${this.ws.teamId.slice(1)}-${b64url(randomBytes(24))}`;
    this.tokens.set(accessToken, { person: grant.person, scopes: grant.scopes });
    grant.accessToken = accessToken;
    return { ok: true, access_token: accessToken, token_type: 'Bearer', id_token: grant.idToken };
  }

  /** `openid.connect.userInfo`: who the user token belongs to. */
  userInfo(p: Params): Obj {
    const token = str(p, 'token');
    if (!token) throw new ApiError('not_authed');
    const t = this.tokens.get(token);
    if (!t) throw new ApiError('invalid_auth');
    return { ok: true, ...this.claims(t.person, t.scopes) };
  }
}

function pkceMatches(challenge: { value: string; method: 'S256' | 'plain' }, verifier: string | undefined): boolean {
  if (!verifier) return false;
  const computed = challenge.method === 'S256' ? b64url(createHash('sha256').update(verifier).digest()) : verifier;
  return safeEqual(computed, challenge.value);
}

function redirect(res: ServerResponse, to: URL): void {
  res.writeHead(302, { location: to.href, 'content-length': 0 });
  res.end();
}

function page(res: ServerResponse, status: number, title: string, body: Html): void {
  const doc = `<!DOCTYPE html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body>${body}</body></html>`.value}\n`;
  sendText(res, status, doc, 'text/html; charset=utf-8');
}

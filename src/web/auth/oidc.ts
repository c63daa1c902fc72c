import * as oidc from 'openid-client';
import { z } from 'zod';

/** The user scopes Sign in with Slack asks for (the manifest's `oauth_config.scopes.user`). */
export const SIGN_IN_SCOPES = ['openid', 'profile', 'email'] as const;

/**
 * Slack's OpenID Provider metadata, as its `/.well-known/openid-configuration` publishes it, built
 * from SLACK_OAUTH_URL (`https://slack.com/`: the issuer, authorize page and keys) and
 * SLACK_API_URL (`https://slack.com/api/`: the two Web API methods). Static: no discovery call.
 */
export function slackServerMetadata(oauthUrl: string, apiUrl: string): oidc.ServerMetadata {
  const u = new URL(oauthUrl);
  return {
    issuer: `${u.origin}${u.pathname}`.replace(/\/+$/, ''),
    authorization_endpoint: `${oauthUrl}openid/connect/authorize`,
    token_endpoint: `${apiUrl}openid.connect.token`,
    userinfo_endpoint: `${apiUrl}openid.connect.userInfo`,
    jwks_uri: `${oauthUrl}openid/connect/keys`,
    scopes_supported: [...SIGN_IN_SCOPES],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when every plain-http URL is on this machine (the simulator); false when all are https. Throws for http elsewhere. */
export function insecureLoopback(...urls: string[]): boolean {
  let insecure = false;
  for (const raw of urls) {
    const u = new URL(raw);
    if (u.protocol === 'https:') continue;
    if (!LOOPBACK.has(u.hostname)) throw new Error(`Sign in with Slack: ${u.origin} must be https (plain http only on 127.0.0.1/localhost, for the simulator)`);
    insecure = true;
  }
  return insecure;
}

/** Why a sign-in did not go through, in Beacon's words; `detail` is for the log (never a secret). */
export class SignInFailed extends Error {
  constructor(
    readonly kind: 'cancelled' | 'refused' | 'invalid' | 'unreachable',
    readonly detail: string,
  ) {
    super(`sign-in ${kind}: ${detail}`);
  }
}

/**
 * Slack answers its Web API errors as HTTP 200 `{ ok: false, error }`; OAuth clients expect a 4xx
 * `{ error }`. This fetch turns the one into the other, so openid-client reports `invalid_code`
 * rather than "no access_token".
 */
const slackFetch: oidc.CustomFetch = async (url, options) => {
  const res = await fetch(url, options as RequestInit);
  if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('json')) return res;
  const text = await res.text();
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: res.status, headers });
  }
  if (typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === false) {
    const error = (body as { error?: unknown }).error;
    return Response.json({ error: typeof error === 'string' ? error : 'slack_error' }, { status: 400 });
  }
  return new Response(text, { status: res.status, headers });
};

function classify(err: unknown): SignInFailed {
  if (err instanceof SignInFailed) return err;
  if (err instanceof oidc.AuthorizationResponseError) return new SignInFailed(err.error === 'access_denied' ? 'cancelled' : 'refused', err.error);
  if (err instanceof oidc.ResponseBodyError) return new SignInFailed('refused', err.error);
  if (err instanceof TypeError) return new SignInFailed('unreachable', err.message);
  if (err instanceof oidc.WWWAuthenticateChallengeError) return new SignInFailed('refused', `HTTP ${err.status}`);
  const code = err instanceof oidc.ClientError ? (err.code ?? 'client_error') : 'error';
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    // An answer that is no OAuth answer: Slack's own refusal (4xx, userInfo's `ok: false`), or a gateway page (5xx).
    const status = (err as { cause?: unknown }).cause instanceof Response ? ((err as { cause: Response }).cause.status) : 0;
    return new SignInFailed(status >= 400 && status < 500 ? 'refused' : 'unreachable', `${code} (HTTP ${status})`);
  }
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || code === 'OAUTH_RESPONSE_IS_NOT_JSON') return new SignInFailed('unreachable', code);
  return new SignInFailed('invalid', `${code}: ${(err as Error).message}`);
}

const TEAM = 'https://slack.com/team_id';
const slackId = z.string().regex(/^[A-Z0-9]{2,32}$/);
const idTokenSchema = z.object({ sub: slackId, [TEAM]: slackId, name: z.string().max(200).optional() });
const userInfoSchema = z.object({ sub: slackId, [TEAM]: slackId, name: z.string().max(200).optional() });

/** Who signed in, as Slack vouched for it (id_token and userInfo agreeing). */
export interface SlackIdentity {
  userId: string;
  teamId: string;
  name: string;
}

export interface SlackOidcOptions {
  clientId: string;
  clientSecret: string;
  oauthUrl: string;
  apiUrl: string;
  /** Send a PKCE challenge (see WebAuthDeps.pkce for why this is off against Slack). */
  pkce: boolean;
}

/** The authorization-code flow against Slack, on openid-client. */
export class SlackOidc {
  private readonly config: oidc.Configuration;

  constructor(private readonly o: SlackOidcOptions) {
    this.config = new oidc.Configuration(slackServerMetadata(o.oauthUrl, o.apiUrl), o.clientId, { client_secret: o.clientSecret, id_token_signed_response_alg: 'RS256' }, oidc.ClientSecretPost(o.clientSecret));
    this.config[oidc.customFetch] = slackFetch;
    this.config.timeout = 10;
    // The id_token's signature is checked against Slack's keys (jwks_uri), not only its claims.
    oidc.enableNonRepudiationChecks(this.config);
    if (insecureLoopback(o.oauthUrl, o.apiUrl)) oidc.allowInsecureRequests(this.config);
  }

  /** Where to send the browser, and what the callback must find again. */
  async start(redirectUri: string, teamHint?: string): Promise<{ url: URL; state: string; nonce: string; verifier?: string }> {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const params: Record<string, string> = { response_type: 'code', scope: SIGN_IN_SCOPES.join(' '), redirect_uri: redirectUri, state, nonce };
    // Slack's `team` argument: sign in to this workspace when the person is in several.
    if (teamHint) params.team = teamHint;
    let verifier: string | undefined;
    if (this.o.pkce) {
      verifier = oidc.randomPKCECodeVerifier();
      params.code_challenge = await oidc.calculatePKCECodeChallenge(verifier);
      params.code_challenge_method = 'S256';
    }
    return { url: oidc.buildAuthorizationUrl(this.config, params), state, nonce, ...(verifier ? { verifier } : {}) };
  }

  /**
   * The callback: exchanges the code (openid-client checks state, the id_token's signature, iss,
   * aud, exp, iat and nonce), then asks openid.connect.userInfo, whose subject and team must be
   * the id_token's. Throws SignInFailed.
   */
  async finish(callbackUrl: URL, expected: { state: string; nonce: string; verifier?: string }): Promise<SlackIdentity> {
    try {
      const tokens = await oidc.authorizationCodeGrant(this.config, callbackUrl, {
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
        ...(expected.verifier ? { pkceCodeVerifier: expected.verifier } : {}),
      });
      const id = idTokenSchema.safeParse(tokens.claims());
      if (!id.success) throw new SignInFailed('invalid', 'id_token without a Slack user and team');
      const info = userInfoSchema.safeParse(await oidc.fetchUserInfo(this.config, tokens.access_token, id.data.sub));
      if (!info.success) throw new SignInFailed('invalid', 'userInfo without a Slack user and team');
      if (info.data[TEAM] !== id.data[TEAM]) throw new SignInFailed('invalid', 'userInfo and id_token name different teams');
      return { userId: id.data.sub, teamId: id.data[TEAM], name: info.data.name ?? id.data.name ?? id.data.sub };
    } catch (err) {
      throw classify(err);
    }
  }
}

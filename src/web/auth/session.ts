import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Keys } from '../../keys.js';
import type { Redis } from '../../redis.js';
import type { Viewer } from '../page.js';
import { clearCookie, cookieName, readCookie, setCookie } from './cookies.js';

/** A session lasts 12 hours, in the cookie (its `exp` and Max-Age) and in Redis (its TTL). */
export const SESSION_TTL_S = 12 * 60 * 60;

const ISSUER = 'beacon';
const AUDIENCE = 'beacon-web-session';

const storedSchema = z.object({
  userId: z.string().min(1).max(32),
  teamId: z.string().min(1).max(32),
  name: z.string().max(200),
  expiresAt: z.number(),
});

const claimsSchema = z.object({ sid: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

export interface SessionDeps {
  redis: Redis;
  keys: Keys;
  /** SESSION_SECRET. */
  secret: string;
  now: () => Date;
  /** PUBLIC_URL is https: the cookie is Secure (and `__Host-` prefixed). */
  secure: boolean;
}

/**
 * Web sessions. The cookie is an HS256 JWT (jose) carrying only a random session id and its
 * expiry; who is signed in lives in Redis under that id, so signing out (or deleting the key)
 * revokes the session even though the cookie still verifies.
 */
export class Sessions {
  readonly cookie: string;
  private readonly key: Uint8Array;
  private readonly csrfKey: Buffer;

  constructor(private readonly d: SessionDeps) {
    this.cookie = cookieName('beacon_session', d.secure);
    // One secret, two purposes: each gets its own key.
    this.key = createHmac('sha256', d.secret).update('beacon web session cookie v1').digest();
    this.csrfKey = createHmac('sha256', d.secret).update('beacon web csrf v1').digest();
  }

  /** Starts a session for the viewer; resolves the `Set-Cookie` value that carries it. */
  async create(viewer: Viewer): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const nowS = Math.floor(this.d.now().getTime() / 1000);
    const stored = { ...viewer, expiresAt: (nowS + SESSION_TTL_S) * 1000 };
    await this.d.redis.set(this.d.keys.webSession(id), JSON.stringify(stored), 'EX', SESSION_TTL_S);
    const jwt = await new SignJWT({ sid: id })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + SESSION_TTL_S)
      .sign(this.key);
    return setCookie(this.cookie, jwt, { maxAge: SESSION_TTL_S, secure: this.d.secure });
  }

  /** The session of a request: a cookie that verifies (signature, expiry) and whose session is still in Redis. */
  async read(req: IncomingMessage): Promise<{ id: string; viewer: Viewer } | null> {
    const token = readCookie(req, this.cookie);
    if (!token) return null;
    let sid: string;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, currentDate: this.d.now(), requiredClaims: ['exp', 'iat'] });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return null;
      sid = claims.data.sid;
    } catch {
      return null;
    }
    const raw = await this.d.redis.get(this.d.keys.webSession(sid));
    if (!raw) return null;
    let stored: z.infer<typeof storedSchema>;
    try {
      const parsed = storedSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) return null;
      stored = parsed.data;
    } catch {
      return null;
    }
    if (stored.expiresAt <= this.d.now().getTime()) return null;
    return { id: sid, viewer: { userId: stored.userId, teamId: stored.teamId, name: stored.name } };
  }

  async revoke(id: string): Promise<void> {
    await this.d.redis.del(this.d.keys.webSession(id));
  }

  /** The `Set-Cookie` value that removes the session cookie. */
  clear(): string {
    return clearCookie(this.cookie, this.d.secure);
  }

  /** The session's CSRF token: an HMAC of its id, so it needs no storage and dies with the session. */
  csrf(id: string): string {
    return createHmac('sha256', this.csrfKey).update(id).digest('base64url');
  }

  csrfMatches(id: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const want = Buffer.from(this.csrf(id));
    const got = Buffer.from(given);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

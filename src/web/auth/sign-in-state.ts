import { z } from 'zod';
import type { Keys } from '../../keys.js';
import type { Redis } from '../../redis.js';

/** How long a sign-in may take between Beacon sending the browser to Slack and its coming back. */
export const SIGN_IN_TTL_S = 10 * 60;

/** Where a sign-in lands when it was not given a page to come back to. */
export const DEFAULT_RETURN = '/incidents';

const recordSchema = z.object({
  nonce: z.string().min(1).max(200),
  /** The PKCE code verifier, when the sign-in uses PKCE. */
  verifier: z.string().min(43).max(128).optional(),
  /** The local path to go back to afterwards (already checked by `localPath`). */
  returnTo: z.string().min(1).max(2048),
  /** The redirect_uri sent to Slack: the token request must send the same. */
  redirectUri: z.string().url().max(2048),
});

export type SignInRecord = z.infer<typeof recordSchema>;

/**
 * Sign-ins under way, keyed by their `state`: written when the browser is sent to Slack, taken
 * (GETDEL) when it comes back, so a state works once and for ten minutes.
 */
export class SignIns {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async save(state: string, record: SignInRecord): Promise<void> {
    await this.redis.set(this.keys.webSignIn(state), JSON.stringify(record), 'EX', SIGN_IN_TTL_S);
  }

  /** The sign-in of this state, removed as it is read; null when unknown, expired or already used. */
  async take(state: string): Promise<SignInRecord | null> {
    const raw = await this.redis.getdel(this.keys.webSignIn(state));
    if (!raw) return null;
    try {
      const parsed = recordSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}

const BASE = 'http://beacon.invalid';

/**
 * A path on this site to send the browser to after signing in, from the untrusted `next`
 * parameter: only a local absolute path (`/incidents?status=open`), never another site
 * (`//evil.example`, `/\evil.example`, `https://…`), never the sign-in routes themselves.
 * Anything else becomes the incident list.
 */
export function localPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return DEFAULT_RETURN;
  // Browsers read `\` as `/`; control characters have no business in a path.
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) return DEFAULT_RETURN;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return DEFAULT_RETURN;
  }
  if (url.origin !== BASE) return DEFAULT_RETURN;
  if (url.pathname === '/auth' || url.pathname.startsWith('/auth/')) return DEFAULT_RETURN;
  return `${url.pathname}${url.search}`;
}

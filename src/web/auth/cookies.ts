import type { IncomingMessage } from 'node:http';

/** The value of one cookie from the request's Cookie header; the first one wins when a name repeats. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Every value Beacon sets is base64url or a JWT: anything else was not set by Beacon.
    return /^[A-Za-z0-9._-]{1,4096}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
}

/** A `Set-Cookie` value: always HttpOnly, SameSite=Lax, Path=/. */
export function setCookie(name: string, value: string, o: CookieOptions): string {
  return [`${name}=${value}`, `Max-Age=${o.maxAge}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', ...(o.secure ? ['Secure'] : [])].join('; ');
}

/** The `Set-Cookie` value that deletes a cookie. */
export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', { maxAge: 0, secure });
}

/**
 * Cookie names: with `Secure`, the `__Host-` prefix, so that no other host (a subdomain) can set
 * or shadow them; over plain http (local use) the browser would refuse that prefix.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

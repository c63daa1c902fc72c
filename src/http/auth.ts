import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

// The configured secret's digest, computed once instead of on every request.
let known: { secret: string; digest: Buffer } | undefined;
const secretDigest = (secret: string) => {
  if (known?.secret !== secret) known = { secret, digest: digest(secret) };
  return known.digest;
};

/** Constant-time comparison of a presented value with the configured secret, of any length. */
export function safeEqual(presented: string, secret: string): boolean {
  // Hash first so that lengths leak nothing and timingSafeEqual gets equal-sized buffers.
  return timingSafeEqual(digest(presented), secretDigest(secret)) && presented.length === secret.length;
}

/** Accepts `Bearer <token>` or HTTP Basic with the token as password (any user name). */
export function webhookTokenOk(header: string | undefined, token: string): boolean {
  if (!header || !token) return false;
  const [scheme, value] = header.split(/\s+/, 2) as [string, string | undefined];
  if (!value) return false;
  if (/^bearer$/i.test(scheme)) return safeEqual(value.trim(), token);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return false;
    return safeEqual(decoded.slice(colon + 1), token);
  }
  return false;
}

import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  // Hash first so that lengths leak nothing and timingSafeEqual gets equal-sized buffers.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
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

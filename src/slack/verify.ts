import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses replays older than this, and so do we. */
export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

/**
 * Verifies Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`
 * keyed with the signing secret, with the timestamp no more than five minutes from now.
 */
export function verifySlackSignature(
  signingSecret: string,
  raw: Buffer,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): { ok: true } | { ok: false; reason: string } {
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing signature headers' };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: 'malformed timestamp' };
  const ts = Number(timestampHeader);
  if (Math.abs(nowSeconds - ts) > MAX_SIGNATURE_AGE_SECONDS) return { ok: false, reason: 'stale timestamp' };
  const [version, hash] = signatureHeader.split('=', 2);
  if (version !== 'v0' || !hash || !/^[0-9a-f]{64}$/i.test(hash)) return { ok: false, reason: 'malformed signature' };
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestampHeader}:`).update(raw).digest();
  const given = Buffer.from(hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/**
 * Webhook signature checks for the senders that sign their bodies. Pure: the raw body bytes, the
 * header values and the secret in, a boolean out. Always over the raw bytes as received, never a
 * re-serialized JSON body.
 *
 * PagerDuty V3 (https://developer.pagerduty.com/docs/webhooks/webhook-signatures/):
 *   Header `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`. Each `v1` value is the hex
 *   HMAC-SHA256 of the raw body under one signing secret; during a secret rotation PagerDuty
 *   sends one per secret, comma-separated, and the request is authentic if any one matches.
 *   PagerDuty sends no timestamp, so there is no replay window to check.
 *
 * Grafana Alerting webhook contact point, "HMAC Signature" settings
 * (https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/):
 *   Secret, Header (default `X-Grafana-Alerting-Signature`) and an optional Timestamp Header.
 *   The signature is the hex HMAC-SHA256 with the secret of the raw body or, when a timestamp
 *   header is configured, of `timestamp + ":" + body`, where the timestamp is the Unix time in
 *   seconds Grafana also sends in that header. Grafana has no default timestamp header name;
 *   Beacon's README tells operators to set it to `X-Grafana-Alerting-Signature-Timestamp` (the
 *   name Grafana's own provisioning examples use). A timestamp more than 5 minutes away from
 *   `now` (older, or that far in the future) is rejected as a replay.
 *
 * Every comparison is constant time (`timingSafeEqual` on buffers of equal length).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a signed Grafana timestamp may be from now. */
export const GRAFANA_SIGNATURE_MAX_AGE_SECONDS = 5 * 60;

/** Rotation sends a handful of signatures; more than this is not PagerDuty. */
const MAX_PAGERDUTY_SIGNATURES = 16;

function hmacHex(secret: string, ...parts: Buffer[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Constant-time equality of a hex digest we computed and one we were sent. */
function sameHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received.trim().toLowerCase(), 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/**
 * True when `header` (the `X-PagerDuty-Signature` value) carries a `v1=` signature of `rawBody`
 * under `secret`. Missing header or secret: false.
 */
export function verifyPagerDutySignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const expected = hmacHex(secret, rawBody);
  const candidates = header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .slice(0, MAX_PAGERDUTY_SIGNATURES)
    .map((s) => s.slice(3));
  let ok = false;
  // No early exit: every candidate is compared.
  for (const c of candidates) ok = sameHex(expected, c) || ok;
  return ok;
}

/**
 * True when `headers.signature` (the `X-Grafana-Alerting-Signature` value) is the signature of
 * `rawBody` under `secret`, signed with `headers.timestamp` when that header is present, and the
 * timestamp is within 5 minutes of `now`. Missing signature or secret: false.
 */
export function verifyGrafanaSignature(
  rawBody: Buffer,
  headers: { signature?: string; timestamp?: string },
  secret: string,
  now: Date = new Date(),
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !secret) return false;
  let expected: string;
  const ts = timestamp?.trim();
  if (ts) {
    // Unix seconds. Dropping the header does not help a forger: the signature Grafana made
    // covers the timestamp, so it cannot match the body alone.
    if (!/^\d{1,12}$/.test(ts)) return false;
    const ageSeconds = now.getTime() / 1000 - Number(ts);
    if (Math.abs(ageSeconds) > GRAFANA_SIGNATURE_MAX_AGE_SECONDS) return false;
    expected = hmacHex(secret, Buffer.from(`${ts}:`, 'utf8'), rawBody);
  } else {
    expected = hmacHex(secret, rawBody);
  }
  return sameHex(expected, signature);
}

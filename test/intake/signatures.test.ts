import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyGrafanaSignature, verifyPagerDutySignature } from '../../src/intake/signatures.js';

const hmac = (secret: string, data: Buffer | string) => createHmac('sha256', secret).update(data).digest('hex');

describe('verifyPagerDutySignature', () => {
  const body = readFileSync(new URL('../fixtures/pagerduty/triggered.json', import.meta.url));
  const secret = 'pd-secret-current';

  it('accepts a valid v1 signature of the raw body', () => {
    expect(verifyPagerDutySignature(body, `v1=${hmac(secret, body)}`, secret)).toBe(true);
  });

  it('accepts any of several signatures during a rotation (the second matches)', () => {
    const header = `v1=${hmac('pd-secret-old', body)},v1=${hmac(secret, body)}`;
    expect(verifyPagerDutySignature(body, header, secret)).toBe(true);
    expect(verifyPagerDutySignature(body, header.replace(',', ', '), secret)).toBe(true);
  });

  it('rejects a wrong signature, a wrong secret and a changed body', () => {
    expect(verifyPagerDutySignature(body, `v1=${'0'.repeat(64)}`, secret)).toBe(false);
    expect(verifyPagerDutySignature(body, `v1=${hmac('another', body)}`, secret)).toBe(false);
    const changed = Buffer.concat([body, Buffer.from(' ')]);
    expect(verifyPagerDutySignature(changed, `v1=${hmac(secret, body)}`, secret)).toBe(false);
  });

  it('rejects a missing or empty header, an empty secret, other versions and malformed values', () => {
    expect(verifyPagerDutySignature(body, undefined, secret)).toBe(false);
    expect(verifyPagerDutySignature(body, '', secret)).toBe(false);
    expect(verifyPagerDutySignature(body, `v1=${hmac('', body)}`, '')).toBe(false);
    expect(verifyPagerDutySignature(body, `v2=${hmac(secret, body)}`, secret)).toBe(false);
    expect(verifyPagerDutySignature(body, hmac(secret, body), secret)).toBe(false);
    expect(verifyPagerDutySignature(body, 'v1=', secret)).toBe(false);
    expect(verifyPagerDutySignature(body, `v1=${hmac(secret, body).slice(0, 63)}`, secret)).toBe(false);
  });
});

describe('verifyGrafanaSignature', () => {
  const body = readFileSync(new URL('../fixtures/grafana/firing.json', import.meta.url));
  const secret = 'grafana-hmac-secret';
  const now = new Date('2026-05-11T12:40:00Z');
  const ts = String(Math.floor(now.getTime() / 1000));

  it('accepts the hex HMAC of the body when no timestamp header is configured', () => {
    expect(verifyGrafanaSignature(body, { signature: hmac(secret, body) }, secret, now)).toBe(true);
  });

  it('accepts the hex HMAC of timestamp + ":" + body with a fresh timestamp', () => {
    const signature = hmac(secret, Buffer.concat([Buffer.from(`${ts}:`), body]));
    expect(verifyGrafanaSignature(body, { signature, timestamp: ts }, secret, now)).toBe(true);
    const fourMinutesLater = new Date(now.getTime() + 4 * 60_000);
    expect(verifyGrafanaSignature(body, { signature, timestamp: ts }, secret, fourMinutesLater)).toBe(true);
  });

  it('rejects a stale timestamp (over 5 minutes), and one as far in the future', () => {
    const old = String(Number(ts) - 301);
    const oldSig = hmac(secret, Buffer.concat([Buffer.from(`${old}:`), body]));
    expect(verifyGrafanaSignature(body, { signature: oldSig, timestamp: old }, secret, now)).toBe(false);
    const future = String(Number(ts) + 301);
    const futureSig = hmac(secret, Buffer.concat([Buffer.from(`${future}:`), body]));
    expect(verifyGrafanaSignature(body, { signature: futureSig, timestamp: future }, secret, now)).toBe(false);
  });

  it('rejects a signature that does not cover the timestamp sent, or a replaced timestamp', () => {
    expect(verifyGrafanaSignature(body, { signature: hmac(secret, body), timestamp: ts }, secret, now)).toBe(false);
    const signature = hmac(secret, Buffer.concat([Buffer.from(`${ts}:`), body]));
    const other = String(Number(ts) - 10);
    expect(verifyGrafanaSignature(body, { signature, timestamp: other }, secret, now)).toBe(false);
  });

  it('rejects wrong and missing signatures, a wrong secret, a malformed timestamp', () => {
    expect(verifyGrafanaSignature(body, { signature: '0'.repeat(64) }, secret, now)).toBe(false);
    expect(verifyGrafanaSignature(body, { signature: hmac('nope', body) }, secret, now)).toBe(false);
    expect(verifyGrafanaSignature(body, {}, secret, now)).toBe(false);
    expect(verifyGrafanaSignature(body, { signature: '' }, secret, now)).toBe(false);
    expect(verifyGrafanaSignature(body, { signature: hmac('', body) }, '', now)).toBe(false);
    const iso = now.toISOString();
    const isoSig = hmac(secret, Buffer.concat([Buffer.from(`${iso}:`), body]));
    expect(verifyGrafanaSignature(body, { signature: isoSig, timestamp: iso }, secret, now)).toBe(false);
  });

  it('accepts an upper-case hex signature', () => {
    expect(verifyGrafanaSignature(body, { signature: hmac(secret, body).toUpperCase() }, secret, now)).toBe(true);
  });
});

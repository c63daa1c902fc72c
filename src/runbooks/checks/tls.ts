/**
 * The certificate part of the `http` check (`tls_days`): the server's certificate is read over
 * its own TLS connection (`fetch` does not show it), nothing sent on it, bounded by the check's
 * timeout; then judged in words: expired, not trusted, for another name, or expiring within
 * `tls_days` days. Verification is never turned off for the verdict: the connection only stays
 * open long enough to read what it would have rejected, so the failure can say what it is.
 */
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { connectWithin } from './sockets.js';
import type { CheckContext, CheckResult } from './types.js';
import { waitText } from './words.js';
import { formatDuration } from '../../words.js';

const DAY = 24 * 3600_000;

/** The certificate the server showed, or why it could not be read. */
export type CertificateRead =
  | { host: string; validFrom: Date; validTo: Date; authorized: boolean; code?: string; names?: string }
  | { host: string; unreadable: string };

/** Reads the certificate `url`'s server shows for its host name; never rejects. */
export async function readCertificate(url: string, timeoutMs: number, ctx: Pick<CheckContext, 'tlsCa'>): Promise<CertificateRead> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  const r = await connectWithin(
    () =>
      connect({
        host,
        port,
        ...(isIP(host) ? {} : { servername: host }),
        ...(ctx.tlsCa ? { ca: ctx.tlsCa } : {}),
        // Judged below from `authorized`, so that an expired certificate is reported as one.
        rejectUnauthorized: false,
      }),
    'secureConnect',
    timeoutMs,
  );
  if ('timedOut' in r) return { host, unreadable: `no TLS answer within ${waitText(timeoutMs)}` };
  if ('code' in r) return { host, unreadable: r.code === 'ECONNREFUSED' ? 'connection refused' : r.code };
  const cert: PeerCertificate = r.socket.getPeerCertificate();
  const { authorized } = r.socket;
  const code = r.socket.authorizationError ? String(r.socket.authorizationError) : undefined;
  r.socket.destroy();
  if (!cert.valid_to) return { host, unreadable: 'the server showed no certificate' };
  return {
    host,
    validFrom: new Date(cert.valid_from),
    validTo: new Date(cert.valid_to),
    authorized,
    ...(code ? { code } : {}),
    ...(cert.subjectaltname ? { names: cert.subjectaltname } : {}),
  };
}

const NOT_TRUSTED: Record<string, string> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  CERT_REVOKED: 'has been revoked',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed, not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'is signed by a self-signed authority, not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is not signed by a trusted authority',
  UNABLE_TO_GET_ISSUER_CERT: 'is not signed by a trusted authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is not signed by a trusted authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is for another name',
};

/** `certificate for api.example has expired`, for a TLS error code; undefined for other codes. */
export function certificateProblem(code: string, host: string): string | undefined {
  const what = NOT_TRUSTED[code];
  return what ? `certificate for ${host} ${what}` : undefined;
}

const span = (ms: number): string => formatDuration(ms, 'unit');

/** The date part of a time, for "valid until 2024-07-03". */
const day = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * The check's result once the certificate is known: the certificate's failure first (it is
 * what the integration's callers will see), then the HTTP verdict, then expiry within
 * `tlsDays`; a pass says how long the certificate is good for.
 */
export function withCertificate(http: CheckResult, cert: CertificateRead, tlsDays: number, now: Date): CheckResult {
  const keep = { ...(http.latencyMs !== undefined ? { latencyMs: http.latencyMs } : {}), ...(http.httpStatus !== undefined ? { httpStatus: http.httpStatus } : {}) };
  const about = `certificate for ${cert.host}`;
  if ('unreadable' in cert) {
    if (http.status !== 'pass') return http;
    return { ...http, status: 'error', summary: `${http.summary}, but the ${about} could not be read: ${cert.unreadable}` };
  }
  const left = cert.validTo.getTime() - now.getTime();
  const validity = `${about} valid from ${day(cert.validFrom)} until ${day(cert.validTo)}`;
  const details = [validity, ...(cert.names ? [`it names ${cert.names}`] : []), http.summary, ...(http.details ?? [])];
  if (left <= 0) return { status: 'fail', summary: `${about} expired ${span(-left)} ago`, details, ...keep };
  if (cert.validFrom.getTime() > now.getTime()) return { status: 'fail', summary: `${about} is not valid until ${day(cert.validFrom)}`, details, ...keep };
  if (!cert.authorized) {
    const summary = certificateProblem(cert.code ?? '', cert.host) ?? `${about} is not valid (${cert.code ?? 'not trusted'})`;
    return { status: 'fail', summary, details, ...keep };
  }
  const withValidity = { ...http, details: [...(http.details ?? []), validity] };
  if (http.status !== 'pass') return withValidity;
  if (left < tlsDays * DAY) {
    const threshold = `tls_days is ${tlsDays}: renew it, or have whoever runs ${cert.host} renew it`;
    return { status: 'fail', summary: `${about} expires in ${span(left)}`, details: [validity, threshold, ...details.slice(1)], ...keep };
  }
  return { ...withValidity, summary: `${http.summary}; certificate good for ${span(left)}` };
}

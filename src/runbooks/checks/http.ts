/**
 * The `http` check: one read-only request to an integration, credentials from the environment
 * or a file. Never follows a redirect, so credentials go only where the runbook says. The body
 * is read only for `expect_body`, at most 64 KiB of it, and only a short scrubbed excerpt of it
 * can reach a result. With `tls_days`, the certificate is read too (`tls.ts`).
 */
import type { HttpCheck } from '../format.js';
import { judgeBody, readBody } from './body.js';
import { headerSource, readHeaders } from './headers.js';
import { clip, errorText } from './scrub.js';
import { errorCode } from './sockets.js';
import { certificateProblem, readCertificate, withCertificate } from './tls.js';
import type { CheckContext, CheckResult } from './types.js';

/** What was sent, for the result's details. */
interface Sent {
  method: string;
  target: string;
  /** `Authorization from $GATEWAY_TOKEN`, one per header. */
  sources: string[];
}

/**
 * Passes when the integration answers with an expected status (and body, and a certificate good
 * for `tls_days`); says why not otherwise. Every header value it reads goes into `secrets`.
 */
export async function httpCheck(check: HttpCheck, ctx: CheckContext, secrets: string[]): Promise<CheckResult> {
  const built = await readHeaders(check, ctx.env, secrets);
  if ('status' in built) return built;
  const method = check.method ?? 'GET';
  const sent: Sent = { method, target: describeUrl(check.url), sources: built.sources };
  const timeoutMs = check.timeout_ms ?? 5000;
  const [http, cert] = await Promise.all([
    request(check, ctx, built.headers, sent, secrets),
    check.tls_days !== undefined ? readCertificate(check.url, timeoutMs, ctx) : undefined,
  ]);
  return cert && check.tls_days !== undefined ? withCertificate(http, cert, check.tls_days, ctx.now) : http;
}

/** Sends the request and judges the answer: status, then body when `expect_body` asks. */
async function request(check: HttpCheck, ctx: CheckContext, headers: Record<string, string>, sent: Sent, secrets: readonly string[]): Promise<CheckResult> {
  const timeoutMs = check.timeout_ms ?? 5000;
  const doFetch = ctx.fetch ?? fetch;
  const started = performance.now();
  const failed = (err: unknown, while_: string): CheckResult => ({
    status: 'fail',
    summary: notAnswering(err, check.url, timeoutMs, while_),
    details: [`${sent.method} ${sent.target}`, ...sentLine(sent)],
    latencyMs: Math.round(performance.now() - started),
  });
  let res: Response;
  try {
    res = await doFetch(check.url, {
      method: sent.method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      // Never follow a redirect: it would send our credentials to wherever it points.
      redirect: 'manual',
    });
  } catch (err) {
    return failed(err, '');
  }
  const latencyMs = Math.round(performance.now() - started);
  const verdict = judgeResponse(check, res, sent, latencyMs);
  if (verdict.status !== 'pass' || !check.expect_body) {
    // Not read: only the status matters, and a body could echo what we sent.
    await res.body?.cancel().catch(() => {});
    return verdict;
  }
  let body: Awaited<ReturnType<typeof readBody>>;
  try {
    body = await readBody(res);
  } catch (err) {
    return failed(err, ' reading the body');
  }
  const judged = judgeBody(check.expect_body, body, res.status, secrets);
  if (!judged.ok) return { ...verdict, status: 'fail', summary: judged.summary, details: [...(verdict.details ?? []), ...judged.details] };
  return { ...verdict, summary: `${verdict.summary}, ${judged.summary}` };
}

/** Why the request got no answer, in words: a certificate problem as what it is. */
function notAnswering(err: unknown, url: string, timeoutMs: number, while_: string): string {
  if (isTimeout(err)) return `integration not answering (timed out after ${timeoutMs}ms${while_})`;
  const code = errorCode(err);
  const cert = code ? certificateProblem(code, new URL(url).hostname) : undefined;
  return cert ?? `integration not answering (${networkReason(err)})`;
}

const sentLine = (sent: Sent): string[] => (sent.sources.length ? [`sent ${sent.sources.join(', ')}`] : []);

/** The result for the status the integration answered with. */
function judgeResponse(check: HttpCheck, res: Response, sent: Sent, latencyMs: number): CheckResult {
  const status = res.status;
  const expect = check.expect?.length ? check.expect : [200];
  const details = [`${sent.method} ${sent.target} answered HTTP ${status} in ${latencyMs} ms`, ...sentLine(sent)];
  const base = { latencyMs, httpStatus: status, details };
  if (expect.includes(status)) return { status: 'pass', summary: `HTTP ${status} in ${latencyMs} ms`, ...base };
  if (status === 401 || status === 403) {
    return {
      status: 'fail',
      summary: `credentials rejected (HTTP ${status})`,
      ...base,
      details: [
        ...details,
        sent.sources.length
          ? `compare the value of ${Object.values(check.headers ?? {}).map(headerSource).join(', ')} with the secret store, and who changed it`
          : 'the check sends no credentials: add a header read from an environment variable or a file',
      ],
    };
  }
  if (status >= 500) return { status: 'fail', summary: `integration not answering (HTTP ${status})`, ...base };
  if (status >= 300 && status < 400) {
    const to = res.headers.get('location');
    return { status: 'fail', summary: `unexpected HTTP ${status}${to ? ` (redirects to ${describeUrl(to, check.url)})` : ''}`, ...base };
  }
  return { status: 'fail', summary: `unexpected HTTP ${status}`, ...base };
}

/** Origin and path of a URL, without its query (shorter, and nothing in it is ours to show). */
function describeUrl(url: string, base?: string): string {
  try {
    const u = new URL(url, base);
    return `${u.origin}${u.pathname}`;
  } catch {
    return clip(url, 200);
  }
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string; code?: string } } | null;
  return (
    e?.name === 'TimeoutError' ||
    e?.cause?.name === 'TimeoutError' ||
    e?.cause?.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e?.cause?.code === 'UND_ERR_HEADERS_TIMEOUT'
  );
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

/** Why a request failed, from the error's code when there is one; never the request itself. */
function networkReason(err: unknown): string {
  const code = errorCode(err);
  return code ? (NETWORK_REASONS[code] ?? code) : errorText(err);
}

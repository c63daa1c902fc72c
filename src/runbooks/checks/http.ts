/**
 * The `http` check: one read-only request to an integration, credentials from the environment.
 * Never follows a redirect and never reads the body, so credentials go only where the runbook
 * says and nothing the server echoes back ends up in a result.
 */
import type { HttpCheck } from '../format.js';
import { clip, errorText } from './scrub.js';
import type { CheckContext, CheckResult } from './types.js';

/** Header values that must never be shown: each variable's value, alone and with its prefix. */
export function headerSecrets(check: HttpCheck, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const h of Object.values(check.headers ?? {})) {
    const v = env[h.env];
    if (v) out.push(v, ...(h.prefix ? [`${h.prefix}${v}`] : []));
  }
  return out;
}

/** Header values may not hold control characters (CR/LF would split the request). */
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** What was sent, for the result's details. */
interface Sent {
  method: string;
  target: string;
  /** `Authorization from $GATEWAY_TOKEN`, one per header. */
  sources: string[];
}

/** Passes when the integration answers with an expected status; says why not otherwise. */
export async function httpCheck(check: HttpCheck, ctx: CheckContext): Promise<CheckResult> {
  const method = check.method ?? 'GET';
  const timeoutMs = check.timeout_ms ?? 5000;
  const built = requestHeaders(check, ctx.env);
  if ('status' in built) return built;
  const sent: Sent = { method, target: describeUrl(check.url), sources: built.sources };

  const doFetch = ctx.fetch ?? fetch;
  const started = performance.now();
  let res: Response;
  try {
    res = await doFetch(check.url, {
      method,
      headers: built.headers,
      signal: AbortSignal.timeout(timeoutMs),
      // Never follow a redirect: it would send our credentials to wherever it points.
      redirect: 'manual',
    });
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const details = [`${method} ${sent.target}`, ...sentLine(sent)];
    const reason = isTimeout(err) ? `timed out after ${timeoutMs}ms` : networkReason(err);
    return { status: 'fail', summary: `integration not answering (${reason})`, details, latencyMs };
  }
  const latencyMs = Math.round(performance.now() - started);
  // The body is not read: only the status matters, and a body could echo what we sent.
  await res.body?.cancel().catch(() => {});
  return judgeResponse(check, res, sent, latencyMs);
}

/** The headers to send, read from the environment, or the `error` result saying which variable is missing. */
function requestHeaders(check: HttpCheck, env: NodeJS.ProcessEnv): { headers: Record<string, string>; sources: string[] } | CheckResult {
  const headers: Record<string, string> = {};
  const sources: string[] = [];
  for (const [name, h] of Object.entries(check.headers ?? {})) {
    const value = env[h.env];
    if (value === undefined || value === '') {
      return {
        status: 'error',
        summary: `environment variable ${h.env} is not set (it holds the ${name} header); set it for Beacon's worker and run the check again`,
      };
    }
    if (BAD_HEADER_VALUE.test(value) || BAD_HEADER_VALUE.test(h.prefix ?? '')) {
      return {
        status: 'error',
        summary: `environment variable ${h.env} holds a value that cannot be sent as the ${name} header (a line break or control character in it)`,
      };
    }
    headers[name] = `${h.prefix ?? ''}${value}`;
    sources.push(`${name} from $${h.env}`);
  }
  return { headers, sources };
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
          ? `compare the value of ${Object.values(check.headers ?? {}).map((h) => `$${h.env}`).join(', ')} with the secret store, and who changed it`
          : 'the check sends no credentials: add a header read from an environment variable',
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
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

/** Why a request failed, from the error's code when there is one; never the request itself. */
function networkReason(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return NETWORK_REASONS[code] ?? code;
    e = (e as { cause?: unknown }).cause;
  }
  return errorText(err);
}

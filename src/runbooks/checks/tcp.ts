/**
 * The `tcp` check: does `host:port` accept a connection within the timeout? Nothing is sent;
 * the connection is closed as soon as it is open.
 */
import { connect } from 'node:net';
import type { TcpCheck } from '../format/schema.js';
import { connectWithin, hostPort } from './sockets.js';
import type { CheckResult } from './types.js';
import { waitText } from './words.js';

/** Passes when a connection opens in time; says why not otherwise (refused, silent, no such host). */
export async function tcpCheck(check: TcpCheck): Promise<CheckResult> {
  const where = hostPort(check.host, check.port);
  const timeoutMs = check.timeout_ms ?? 5000;
  const r = await connectWithin(() => connect({ host: check.host, port: check.port }), 'connect', timeoutMs);
  if ('socket' in r) {
    r.socket.destroy();
    return { status: 'pass', summary: `accepts connections on ${where} (${r.ms} ms)`, latencyMs: r.ms };
  }
  if ('timedOut' in r) {
    return {
      status: 'fail',
      summary: `not answering on ${where} within ${waitText(timeoutMs)}`,
      details: ['the connection was neither accepted nor refused: the host is down, or a firewall drops the packets'],
    };
  }
  return { status: 'fail', ...refusal(r.code, check.host, where) };
}

/** A failed connection in words, from its error code. */
function refusal(code: string, host: string, where: string): Pick<CheckResult, 'summary' | 'details'> {
  switch (code) {
    case 'ECONNREFUSED':
      return { summary: `refuses connections on ${where}`, details: [`nothing listens on port ${where.slice(where.lastIndexOf(':') + 1)} there, or a firewall rejects the connection`] };
    case 'ENOTFOUND':
    case 'ENODATA':
      return { summary: `${host} does not resolve`, details: ['the name has no address: check the spelling and its DNS records'] };
    case 'EAI_AGAIN':
      return { summary: `${host} could not be resolved right now (DNS not answering)` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { summary: `cannot reach ${where} (no route to the host)` };
    case 'ECONNRESET':
      return { summary: `${where} resets connections` };
    default:
      return { summary: `could not connect to ${where} (${code})` };
  }
}

/**
 * The `dns` check: does the name resolve, and only to the expected addresses when the runbook
 * lists them? Resolved the way the services themselves resolve names (the system resolver,
 * `/etc/hosts` included), bounded by the check's timeout.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsCheck } from '../format/schema.js';
import { errorCode } from './sockets.js';
import type { CheckResult } from './types.js';
import { waitText } from './words.js';

type Lookup = { addresses: string[]; ms: number } | { code: string } | { timedOut: true };

/** Passes when the name resolves (to listed addresses only, when `addresses` is given). */
export async function dnsCheck(check: DnsCheck): Promise<CheckResult> {
  const timeoutMs = check.timeout_ms ?? 5000;
  const name = check.name;
  const r = await lookupWithin(name, timeoutMs);
  if ('timedOut' in r) return { status: 'fail', summary: `no DNS answer for ${name} within ${waitText(timeoutMs)}` };
  if ('code' in r) {
    if (r.code === 'ENOTFOUND' || r.code === 'ENODATA') {
      return { status: 'fail', summary: `${name} does not resolve`, details: ['no address for the name: check its DNS records (or /etc/hosts)'] };
    }
    if (r.code === 'EAI_AGAIN') return { status: 'fail', summary: `${name} could not be resolved right now (DNS not answering)` };
    return { status: 'fail', summary: `${name} could not be resolved (${r.code})` };
  }
  const found = r.addresses;
  const details = [`resolves to ${found.join(', ')} in ${r.ms} ms`];
  if (check.addresses) {
    const expected = check.addresses.map(normalizeIp);
    const stray = found.filter((a) => !expected.includes(a));
    details.push(`expected only ${expected.join(', ')}`);
    if (stray.length) {
      return { status: 'fail', summary: `${name} resolves to ${listed(stray)}, not one of ${listed(expected)}`, details, latencyMs: r.ms };
    }
  }
  return { status: 'pass', summary: `${name} resolves to ${listed(found)} (${r.ms} ms)`, details, latencyMs: r.ms };
}

function lookupWithin(name: string, timeoutMs: number): Promise<Lookup> {
  const started = performance.now();
  return new Promise((resolve) => {
    // The system resolver cannot be cancelled: past the deadline its answer is ignored.
    const timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
    lookup(name, { all: true }).then(
      (list) => {
        clearTimeout(timer);
        const ms = Math.round(performance.now() - started);
        resolve({ addresses: [...new Set(list.map((a) => normalizeIp(a.address)))], ms });
      },
      (err: unknown) => {
        clearTimeout(timer);
        resolve({ code: errorCode(err) ?? 'unknown error' });
      },
    );
  });
}

/** One spelling per address: IPv6 as the URL parser writes it (`2001:db8::1`). */
function normalizeIp(a: string): string {
  if (isIP(a) !== 6) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a.toLowerCase();
  }
}

/** `10.0.0.5, 10.0.0.6`, at most four, then `+2 more`. */
function listed(addresses: readonly string[]): string {
  const shown = addresses.slice(0, 4).join(', ');
  return addresses.length > 4 ? `${shown} +${addresses.length - 4} more` : shown;
}

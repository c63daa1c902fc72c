/**
 * Connections with a deadline, for the `tcp` check and the certificate read of `http`, and the
 * error code of a failed connection or lookup, from wherever Node put it.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';

/** What came of a connection attempt. */
export type Connection<S extends Socket> = { socket: S; ms: number } | { code: string } | { timedOut: true };

/**
 * Opens a socket and waits for `ready` (`connect`, or `secureConnect` for TLS) at most
 * `timeoutMs`. On success the caller owns the socket and must destroy it; otherwise it is
 * destroyed here. Never rejects.
 */
export function connectWithin<S extends Socket>(open: () => S, ready: 'connect' | 'secureConnect', timeoutMs: number): Promise<Connection<S>> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    let socket: S | undefined;
    const settle = (r: Connection<S>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!('socket' in r)) socket?.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => settle({ timedOut: true }), timeoutMs);
    try {
      socket = open();
    } catch (err) {
      settle({ code: errorCode(err) ?? 'EINVAL' });
      return;
    }
    const s = socket;
    // Kept for the socket's life: an error after the connection is handed over must not crash the process.
    s.on('error', (err) => settle({ code: errorCode(err) ?? 'ERROR' }));
    s.once(ready, () => settle({ socket: s, ms: Math.round(performance.now() - started) }));
  });
}

/** The error's code (`ECONNREFUSED`, `CERT_HAS_EXPIRED`…), looking into `cause` and `AggregateError`s. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors;
    e = Array.isArray(inner) && inner.length ? inner[0] : (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `api.example:443`, `[::1]:443`. */
export const hostPort = (host: string, port: number): string => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

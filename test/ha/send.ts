import { Agent, request } from 'node:http';
import { WEBHOOK_TOKEN } from '../support/beacon.js';

/**
 * A sender as monitoring tools are: each delivery is POSTed until Beacon answers 202; a 503 or a
 * dropped connection is retried (after `retryMs`, not the Retry-After's seconds, to keep the
 * tests short). Deliveries go out `concurrency` at a time over keep-alive connections.
 */
export interface SendReport {
  /** Deliveries answered 202 (all of them, or `sendAll` throws). */
  accepted: number;
  attempts: number;
  /** Answers by status (`error` for a connection that failed). */
  statuses: Record<string, number>;
  /** When each delivery was answered 202, by index. */
  acceptedAt: number[];
}

export async function sendAll(
  baseUrl: string,
  path: string,
  bodies: string[],
  opts: { concurrency: number; timeoutMs: number; retryMs?: number; onAccepted?: (n: number) => void; onAttempt?: () => void },
): Promise<SendReport> {
  const { port } = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const report: SendReport = { accepted: 0, attempts: 0, statuses: {}, acceptedAt: [] };
  const deadline = Date.now() + opts.timeoutMs;
  const post = (body: string) =>
    new Promise<string>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode ?? 0)));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve('error'));
      req.end(body);
    });
  let next = 0;
  const pending: number[] = [];
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        for (;;) {
          report.attempts++;
          opts.onAttempt?.();
          const status = await post(bodies[i]!);
          report.statuses[status] = (report.statuses[status] ?? 0) + 1;
          if (status === '202') {
            report.acceptedAt[i] = Date.now();
            opts.onAccepted?.(++report.accepted);
            break;
          }
          if (status !== '503' && status !== 'error') throw new Error(`delivery ${i}: unexpected ${status}`);
          if (Date.now() > deadline) {
            pending.push(i);
            break;
          }
          await new Promise((r) => setTimeout(r, opts.retryMs ?? 100));
        }
      }
    }),
  );
  agent.destroy();
  if (pending.length) throw new Error(`${pending.length} deliveries never answered 202 (${JSON.stringify(report.statuses)})`);
  return report;
}

/** Polls `/readyz` until stopped; what it answered, in order, with the time. */
export function watchReadyz(baseUrl: string, everyMs = 100): { stop(): Promise<{ at: number; status: number }[]> } {
  const seen: { at: number; status: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(3000) })
        .then((r) => r.status)
        .catch(() => 0);
      seen.push({ at: Date.now(), status });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

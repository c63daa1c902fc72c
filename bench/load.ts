import { Agent, request } from 'node:http';

// ---------------------------------------------------------------------------------------------
// The load client: node:http with a keep-alive Agent, a fixed number of requests in flight
// ---------------------------------------------------------------------------------------------

export interface LoadResult {
  /** Per-request latency in ms, request start to response end. */
  lat: number[];
  elapsedMs: number;
  /** Answers other than 202, by status (0 = connection error). */
  bad: Record<number, number>;
  /** Epoch ms (sub-ms precision) of the first request: comparable across processes. */
  startedAt: number;
}

export interface LoadOptions {
  port: number;
  path: string;
  bodies: (Buffer | string)[];
  concurrency: number;
  headers: Record<string, string>;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const bodies = opts.bodies.map((b) => (typeof b === 'string' ? Buffer.from(b) : b));
  const lat = new Array<number>(bodies.length);
  const bad: Record<number, number> = {};
  const send = (body: Buffer) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: opts.port,
          path: opts.path,
          method: 'POST',
          agent,
          headers: { ...opts.headers, 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  let next = 0;
  const startedAt = performance.timeOrigin + performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const t = performance.now();
        const status = await send(bodies[i]!);
        lat[i] = performance.now() - t;
        if (status !== 202) bad[status] = (bad[status] ?? 0) + 1;
      }
    }),
  );
  const elapsedMs = performance.timeOrigin + performance.now() - startedAt;
  agent.destroy();
  return { lat, elapsedMs, bad, startedAt };
}


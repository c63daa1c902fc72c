import { Agent, request } from 'node:http';
import { afterAll, expect } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/body.js';
import { JOBS, type JobName } from '../../src/jobs/catalog.js';
import type { TestBeacon } from './beacon.js';
import { keysOf } from './builders.js';

/**
 * The harness the HTTP fuzz tests share: raw requests over keep-alive sockets, the intake queue's
 * length before and after a request, the newest jobs checked against the catalog, bodies around
 * the 1 MiB limit and the prototype-pollution check. Generic: nothing here knows a route.
 *
 * ```ts
 * const agent = keepAliveAgent(4);
 * const { res, added } = await counted(b, statuses, () => postRaw(b, { path: '/webhooks/x', headers, body, agent }));
 * expect(await newestJobsProblems(b, added, ['change.received'])).toEqual([]);
 * expectPrototypeUntouched();
 * ```
 */

/** 1,000 by default; `BEACON_FUZZ_RUNS=20000` hunts longer. */
export const FUZZ_RUNS = Math.max(1000, Number(process.env.BEACON_FUZZ_RUNS ?? 0) || 0);

/** What came back: the status, the body as JSON (see `unparsed`), and the body as text. */
export interface Answer {
  status: number;
  body: any;
  text: string;
}

/** An answer whose text is not JSON keeps, as `body`, its text (the default) or `undefined`. */
export type Unparsed = 'text' | 'undefined';

export function answer(status: number, text: string, unparsed: Unparsed = 'text'): Answer {
  let body: unknown = unparsed === 'text' ? text : undefined;
  try {
    body = JSON.parse(text);
  } catch {
    /* asserted by the property */
  }
  return { status, body, text };
}

/** Keep-alive sockets, as a sender's HTTP client would use (and cheaper than `fetch` per request); destroyed after the file. */
export function keepAliveAgent(maxSockets: number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets });
  afterAll(() => agent.destroy());
  return agent;
}

export interface RawRequest {
  path: string;
  method?: string;
  headers: Record<string, string | number>;
  body: Buffer;
  agent: Agent;
  /** Sent with `Transfer-Encoding: chunked` in this many equal writes instead of a Content-Length. */
  chunks?: number;
  /** Sent with `Transfer-Encoding: chunked` in writes of this many bytes instead of a Content-Length. */
  chunkBytes?: number;
  unparsed?: Unparsed;
}

/** One request over real HTTP (POST unless told). A dropped connection or a 20 s silence rejects: the property fails. */
export function postRaw(b: TestBeacon, r: RawRequest): Promise<Answer> {
  const chunked = Boolean(r.chunks || r.chunkBytes);
  const headers = { ...r.headers, ...(chunked ? {} : { 'content-length': r.body.length }) };
  const { hostname, port } = new URL(b.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: r.path, method: r.method ?? 'POST', headers, agent: r.agent, timeout: 20_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => resolve(answer(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8'), r.unparsed)));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    const { body } = r;
    if (r.chunkBytes) {
      for (let i = 0; i < body.length; i += r.chunkBytes) req.write(body.subarray(i, i + r.chunkBytes));
      return void req.end();
    }
    if (!r.chunks) return void req.end(body);
    const size = Math.ceil(body.length / r.chunks);
    for (let i = 0; i < r.chunks - 1; i++) req.write(body.subarray(i * size, (i + 1) * size));
    req.end(body.subarray((r.chunks - 1) * size));
  });
}

/** Where BullMQ keeps a queue's jobs that no worker took: lists and sorted sets. */
export type QueueList = 'wait' | 'delayed' | 'prioritized' | 'paused' | 'active';
const SORTED_SETS: readonly QueueList[] = ['delayed', 'prioritized'];
/** Waiting, delayed, prioritized, paused, active. */
export const ALL_QUEUE_LISTS: readonly QueueList[] = ['wait', 'delayed', 'prioritized', 'paused', 'active'];

export const intakeQueue = (b: TestBeacon) => `${keysOf(b).queuePrefix}:intake`;

/** Jobs in the intake queue's `lists` (all of them unless told). */
export async function queuedJobs(b: TestBeacon, lists: readonly QueueList[] = ALL_QUEUE_LISTS): Promise<number> {
  const q = intakeQueue(b);
  const multi = b.redis.multi();
  for (const l of lists) (SORTED_SETS.includes(l) ? multi.zcard(`${q}:${l}`) : multi.llen(`${q}:${l}`));
  let n = 0;
  for (const [err, v] of (await multi.exec()) ?? []) {
    if (err) throw err;
    n += Number(v);
  }
  return n;
}

/**
 * Runs one request and tells how many jobs it added to the intake queue (no worker may run, so
 * the difference is the request's doing), counting its status in `statuses`.
 */
export async function counted<A extends { status: number }>(
  b: TestBeacon,
  statuses: Record<string, number>,
  send: () => Promise<A>,
  lists: readonly QueueList[] = ALL_QUEUE_LISTS,
): Promise<{ res: A; added: number }> {
  const before = await queuedJobs(b, lists);
  const res = await send();
  const added = (await queuedJobs(b, lists)) - before;
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  return { res, added };
}

/** The `n` newest intake jobs (BullMQ pushes new jobs on the left of the wait list), name and data. */
export async function newestJobs(b: TestBeacon, n: number): Promise<{ id: string; name?: string | null; data?: string | null }[]> {
  const q = intakeQueue(b);
  const out: { id: string; name?: string | null; data?: string | null }[] = [];
  for (const id of n > 0 ? await b.redis.lrange(`${q}:wait`, 0, n - 1) : []) {
    const [name, data] = await b.redis.hmget(`${q}:${id}`, 'name', 'data');
    out.push({ id, name, data });
  }
  return out;
}

/**
 * The `n` newest intake jobs must be jobs the worker takes: a name from the catalog (one of
 * `names`, when given) and data its schema accepts. A 202 for a body that then fails in the
 * worker for good would be a body taken and lost.
 */
export async function newestJobsProblems(b: TestBeacon, n: number, names?: readonly JobName[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { id, name, data } of await newestJobs(b, n)) {
    const spec = Object.hasOwn(JOBS, name ?? '') ? JOBS[name as JobName] : undefined;
    if (!spec || (names && !names.includes(name as JobName))) {
      problems.push(`job ${id}: unexpected name ${String(name)}`);
      continue;
    }
    const parsed = spec.schema.safeParse(JSON.parse(data ?? 'null'));
    if (!parsed.success) problems.push(`job ${id} (${name}): ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  }
  return problems;
}

/** `valid` padded with `fill` bytes to `delta` bytes off the 1 MiB body limit. */
export function aroundBodyLimit(valid: Buffer, delta: number, fill = 0x20): Buffer {
  return Buffer.concat([valid, Buffer.alloc(MAX_BODY_BYTES + delta - valid.length, fill)]);
}

export const aroundBodyLimitKind = (delta: number) => `size ${delta >= 0 ? '+' : ''}${delta} around the limit`;

/** Object.prototype's own names when this module loaded. */
export const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** The web server runs in the test's process: a body must never reach Object.prototype. */
export function expectPrototypeUntouched(keys: readonly string[] = PROTOTYPE_KEYS): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(keys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}
